export const name = 'pkg-26';
