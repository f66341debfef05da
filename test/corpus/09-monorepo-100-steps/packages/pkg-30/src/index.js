export const name = 'pkg-30';
