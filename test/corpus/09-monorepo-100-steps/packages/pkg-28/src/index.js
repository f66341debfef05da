export const name = 'pkg-28';
