export const name = 'pkg-36';
