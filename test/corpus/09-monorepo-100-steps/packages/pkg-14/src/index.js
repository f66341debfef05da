export const name = 'pkg-14';
