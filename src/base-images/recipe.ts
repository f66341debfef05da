/**
 * What a base-image recipe is: the shared type every recipe module implements and
 * src/base-images.ts builds. At the bottom of the base-image modules (imports nothing).
 */
export interface BaseImageRecipe {
  name: string;
  description: string;
  /** Everything that determines the image's content. */
  inputs(): Promise<string>;
  /** Writes a build context (Dockerfile + files) into `dir`. */
  prepare(dir: string, log: (s: string) => void): Promise<void>;
}
