export const name = 'pkg-48';
