export const name = 'pkg-44';
