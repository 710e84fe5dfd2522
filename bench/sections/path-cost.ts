import type { Section } from '../types';
export const pathCost: Section = {
  id: 'path-cost',
  title: 'Path cost',
  run: async () => {
    throw new Error('todo');
  },
};
