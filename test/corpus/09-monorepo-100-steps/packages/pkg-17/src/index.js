export const name = 'pkg-17';
