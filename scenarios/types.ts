/**
 * The scenario interface. A scenario turns a clean clone of a fixture (checked out at
 * the parent commit) into exactly one new commit. It must be deterministic: the same
 * parent gives the same tree. Drop a module exporting `scenario` into scenarios/ to add one.
 */
import type { SimpleGit } from 'simple-git';
import type { FixtureConfig } from '../src/target/fixture.ts';

export interface ScenarioContext {
  /** The clone's work tree. */
  dir: string;
  git: SimpleGit;
  fixture: FixtureConfig;
}

export interface Scenario {
  name: string;
  description: string;
  /** Changes the clone and commits; returns the commit message used. */
  apply(ctx: ScenarioContext): Promise<void>;
}
