#pragma once

#include "core/net/event_loop.h"

#include <QString>

namespace mg::consensus {

// When a chain re-elects its biller.
//  EveryBlock: the paper's rule — a DBSCA election after every final block. With unchanged scores
//              the same node wins again, so this costs one short election per block.
//  OnFailure:  elect once, then only when the biller times out or proposes an invalid block.
enum class RotationPolicy { EveryBlock, OnFailure };
QString rotationPolicyName(RotationPolicy policy);

struct ConsensusConfig
{
    int maxTxPerBlock = 500;          // a block never holds more input transactions than this
    int txThreshold = 100;            // the biller proposes as soon as this many are pending...
    net::TimeUs blockIntervalUs = 500 * net::UsPerMs; // ...or when this much time has passed
    net::TimeUs nominationWindowUs = 20 * net::UsPerMs;   // nominations, then confirmations
    net::TimeUs electionTimeoutUs = 400 * net::UsPerMs;   // no certificate by then: next round
    net::TimeUs proposalTimeoutUs = 400 * net::UsPerMs;   // no quorum by then: drop the proposal
    net::TimeUs billerTimeoutUs = 2 * net::UsPerSecond;   // pending work and no block: biller is silent
    RotationPolicy rotation = RotationPolicy::EveryBlock;

    // Quorum: strictly more than 2/3 of the active members.
    static int quorum(int activeMembers) { return activeMembers * 2 / 3 + 1; }
};

} // namespace mg::consensus
