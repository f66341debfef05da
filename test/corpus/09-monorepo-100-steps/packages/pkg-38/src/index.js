export const name = 'pkg-38';
