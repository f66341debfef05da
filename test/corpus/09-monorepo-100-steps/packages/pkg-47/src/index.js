export const name = 'pkg-47';
