// A reward module for `rlvr train --reward examples/custom-reward/reward.mjs`: full credit for the right
// number in \boxed{}, a little for a boxed number at all, nothing otherwise.
export function score(completion, example) {
  const boxed = /\\boxed\{(-?\d+)\}/.exec(completion);
  if (!boxed) return { reward: 0, correct: false, reason: "no boxed number" };
  const right = Number(boxed[1]) === Number(example.gold);
  return { reward: right ? 1 : 0.1, correct: right, reason: right ? "right" : `boxed ${boxed[1]}` };
}
