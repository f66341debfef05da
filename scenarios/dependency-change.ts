import { applyDeclaredEdits } from './edits.ts';
import type { Scenario } from './types.ts';

export const scenario: Scenario = {
  name: 'dependency-change',
  description: 'Bumps a dependency version (what the fixture declares): restore and everything after it re-run.',
  async apply(ctx) {
    await applyDeclaredEdits(ctx, 'dependency-change');
    await ctx.git.commit('cachebench: dependency-change');
  },
};
