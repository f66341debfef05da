export const name = 'pkg-05';
