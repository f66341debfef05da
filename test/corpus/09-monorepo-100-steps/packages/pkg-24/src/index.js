export const name = 'pkg-24';
