export const name = 'pkg-37';
