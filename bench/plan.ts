/**
 * What `deno task bench` runs: the sizes, lengths and rounds of each
 * scenario, for a full run or a `--quick` one.
 *
 * @module
 */

/** The plan of a full run, or of a `--quick` one. */
export function planFor(quick: boolean) {
  return quick
    ? {
      burst: [2000],
      relayPairs: [100, 2000],
      relayRounds: 1,
      relaySeconds: 3,
      openSeconds: 3,
      memoryPairs: [500, 1000, 2000],
      churnSeconds: 15,
      churnEarly: 5,
      churnCluster: { seconds: 15, rounds: 1 },
      capacity: { steps: [1000, 2000], seconds: 10 },
      redisRounds: 1,
      redisSeconds: 3,
      presencePages: [1000, 2000, 4000],
      presenceSeconds: 5,
      interestVisitors: 2000,
      interestRounds: 2,
      evidence: { pairs: 500, rate: 2500, seconds: 3, rounds: 2 },
      resume: { pairs: 500, rate: 2500, seconds: 3, rounds: 2 },
      powBurst: { visitors: 2000, rounds: 2 },
    }
    : {
      burst: [2000, 16000],
      relayPairs: [100, 1000, 2000],
      relayRounds: 5,
      relaySeconds: 5,
      openSeconds: 6,
      memoryPairs: [1000, 2000, 4000, 8000],
      churnSeconds: 60,
      churnEarly: 10,
      churnCluster: { seconds: 30, rounds: 3 },
      capacity: {
        steps: [2000, 4000, 8000, 12000, 16000, 24000, 32000, 48000],
        seconds: 30,
      },
      redisRounds: 3,
      redisSeconds: 8,
      presencePages: [4000, 8000, 16000],
      presenceSeconds: 10,
      interestVisitors: 16000,
      interestRounds: 3,
      evidence: { pairs: 1000, rate: 5000, seconds: 6, rounds: 5 },
      resume: { pairs: 1000, rate: 5000, seconds: 6, rounds: 9 },
      powBurst: { visitors: 16000, rounds: 5 },
    };
}
