/**
 * Phrases that introduce a final answer, in the languages models answer in.
 *
 * - Answer phrases say "the answer is": `The answer is`, `Réponse :`, `La respuesta es`,
 *   `Die Antwort ist`, `Ответ:`, `答案是`, `答え：`, `정답:`. The last one in a solution wins.
 * - Conclusion phrases say "so" (`所以`, `因此`, `therefore`): weaker, used only when there is
 *   no answer phrase and only when math follows them at once (`所以 x = 4`).
 *
 * A phrase must end in a colon or a copula (`est`, `es`, `ist`, `是`) so that a mention of the
 * word ("la réponse de l'élève") does not count.
 */

export const ANSWER_PHRASE = new RegExp(
  [
    // English (the final-answer and line-start "Answer:" forms are matched before this one)
    String.raw`\b(?:the\s+)?(?:correct\s+|final\s+)?answer\s+(?:is|would\s+be|must\s+be|should\s+be|will\s+be)\b\s*[:：]?`,
    String.raw`\b(?:the\s+)?correct\s+(?:option|choice)\s+is\b\s*[:：]?`,
    String.raw`\banswer\s*[:：]`,
    // French, Spanish, Italian, Portuguese, German
    String.raw`\bréponse(?:\s+finale)?\s*(?:[:：]|est(?=\s))`,
    String.raw`\brespuesta(?:\s+final)?\s*(?:[:：]|es(?=\s))`,
    String.raw`\brisposta(?:\s+finale)?\s*(?:[:：]|è(?=\s))`,
    String.raw`\bresposta(?:\s+final)?\s*(?:[:：]|é(?=\s))`,
    String.raw`\bantwort\s*(?:[:：]|ist(?=\s)|lautet(?=\s))`,
    String.raw`\bergebnis\s*(?:[:：]|ist(?=\s))`,
    // Russian
    String.raw`ответ\s*[:：]`,
    // Chinese, Japanese, Korean
    String.raw`(?:最终)?答案\s*(?:是|为|為|[:：])`,
    String.raw`答え\s*(?:は|[:：])`,
    String.raw`정답\s*(?:은|는|[:：])`,
  ].join("|"),
  "giu",
);

export const CONCLUSION_PHRASE = new RegExp(
  [
    "所以|因此|因而|于是|综上所述?|故",
    String.raw`\b(?:therefore|thus|hence)\b`,
    String.raw`(?:\bdonc|\bpor\s+lo\s+tanto|\bportanto|\bdaher|поэтому|итак)(?=[\s,:])`,
    "따라서",
  ].join("|"),
  "giu",
);

/** Chat-template tokens that end a turn (`<|im_end|>`, `<|eot_id|>`, `</s>`): not part of any answer. */
export const CHAT_TOKENS = /<\|[^|<>\n]{1,40}\|>|<\/?s>/g;
