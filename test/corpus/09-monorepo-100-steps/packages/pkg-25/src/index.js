export const name = 'pkg-25';
