import type { Scenario } from './types.ts';

export const scenario: Scenario = {
  name: 'no-change',
  description: 'An empty commit: nothing in the build context changes, every layer should be reused.',
  async apply({ git }) {
    await git.commit('cachebench: no-change', { '--allow-empty': null });
  },
};
