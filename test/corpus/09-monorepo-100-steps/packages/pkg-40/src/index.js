export const name = 'pkg-40';
