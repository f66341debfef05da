export function orders(): string[] {
  return ['A-1', 'A-2'];
}
