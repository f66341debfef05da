export const name = 'pkg-33';
