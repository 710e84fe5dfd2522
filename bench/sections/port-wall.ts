import type { Section } from '../types';
export const portWall: Section = {
  id: 'port-wall',
  title: 'port-wall',
  run: async () => {
    throw new Error('todo');
  },
};
