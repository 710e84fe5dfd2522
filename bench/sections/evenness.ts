import type { Section } from '../types';
export const evenness: Section = {
  id: 'evenness',
  title: 'evenness',
  run: async () => {
    throw new Error('todo');
  },
};
