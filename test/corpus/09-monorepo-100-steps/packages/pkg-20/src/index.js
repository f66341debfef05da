export const name = 'pkg-20';
