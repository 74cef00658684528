import assert from "node:assert/strict";
import { test } from "node:test";
import { onnxruntimeOrder, peakLiveBytes } from "./executionOrder.js";
import { Graph } from "./graph.js";
import * as op from "./ops.js";

test("onnxruntime's order: the last-numbered unread node first, each node after its inputs, last-numbered first", () => {
  const g = new Graph();
  const x = g.input("x", [4]);
  g.output("a", op.exp(x));
  g.output("sum", op.add(op.neg(x), op.sigmoid(x)));
  // exportOnnx numbers the last output's nodes first (topologicalNodes): Neg 0, Sigmoid 1, Add 2, Exp 3;
  // the walk starts at Exp (unread, numbered last), then Add, whose inputs go Sigmoid before Neg
  assert.deepEqual(
    onnxruntimeOrder(g).map((n) => n.op),
    ["Exp", "Sigmoid", "Neg", "Add"],
  );
});

test("peakLiveBytes: a tensor lives from its node to its last reader; outputs and views hold nothing", () => {
  const g = new Graph();
  const x = g.input("x", [1000]);
  const e = op.exp(x); // 4000 bytes, read by both sums
  const s1 = op.reduceSum(e, [0]);
  const s2 = op.reduceSum(op.reshape(op.neg(e), [10, 100]), [0, 1]); // neg: 4000 more while e lives
  g.output("s", op.add(s1, s2));
  assert.equal(peakLiveBytes(g).bytes, 8000 + 4);
});
