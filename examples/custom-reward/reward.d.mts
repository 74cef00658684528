export function score(
  completion: string,
  example: { gold: string },
): { reward: number; correct: boolean; reason: string };
