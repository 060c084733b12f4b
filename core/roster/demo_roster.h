#pragma once

#include "core/roster/node.h"

#include <QList>

namespace mg::roster {

// A deterministic, plausible roster for demos, tests and benchmarks: ids N001..N100, ten groups
// of consecutive serial numbers (the paper's "divided into 10 groups by serial number"), each
// group clustered around its own spot in a small town (Baoding, 38.87N 115.46E), every group with
// at least one generator. Node N053, a renewable generator, has the unique highest DBSCA score
// under the default weights, 0.752, as in the paper's single-chain election.
//
// The same (nodeCount, seed) always gives the same roster on every platform: the generator is
// std::mt19937_64 and the mapping to numbers is our own (std::uniform_real_distribution's output
// is implementation-defined).
QList<NodeInfo> demoRoster(int nodeCount = 100, quint64 seed = 20190601);

} // namespace mg::roster
