import { applyDeclaredEdits } from './edits.ts';
import type { Scenario } from './types.ts';

export const scenario: Scenario = {
  name: 'code-change',
  description: 'Changes source code (what the fixture declares), not dependencies: restore is reusable, the build step re-runs.',
  async apply(ctx) {
    await applyDeclaredEdits(ctx, 'code-change');
    await ctx.git.commit('cachebench: code-change');
  },
};
