import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EQUIVALENCE_CASES } from "./equivalenceCases.js";
import { AnswerVerifier } from "./verify.js";

const verifier = new AnswerVerifier({ timeoutMs: 5000 });
before(() => verifier.warmUp()); // the budget counts a cold start; these cases test the answers
after(() => verifier.close());

describe("math answer equivalence", () => {
  for (const [category, cases] of Object.entries(EQUIVALENCE_CASES)) {
    it(`${category} (${cases.length} cases)`, async () => {
      const failures: string[] = [];
      for (const c of cases) {
        const result = await verifier.verifyAnswer(c.gold, c.pred);
        if (result.equivalent !== c.equivalent) {
          const kind = result.equivalent ? "FALSE POSITIVE" : "false negative";
          failures.push(
            `${kind}: gold ${JSON.stringify(c.gold)} pred ${JSON.stringify(c.pred)} → ${result.reason}`,
          );
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});
