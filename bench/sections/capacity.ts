import type { Section } from '../types';
export const capacity: Section = {
  id: 'capacity',
  title: 'capacity',
  run: async () => {
    throw new Error('todo');
  },
};
