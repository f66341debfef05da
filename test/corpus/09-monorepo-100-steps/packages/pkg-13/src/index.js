export const name = 'pkg-13';
