export const name = 'pkg-16';
