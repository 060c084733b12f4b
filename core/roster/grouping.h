#pragma once

#include "core/common/result.h"
#include "core/roster/node.h"

#include <QList>

namespace mg::roster {

enum class GroupingMode {
    Auto,       // ByColumn if every node has a group; else ByLocation if every node has lat/lon
                // (and groupCount > 0); else BySerial
    ByColumn,   // the roster's `group` numbers; groupCount is ignored
    ByLocation, // balanced k-means on lat/lon, deterministic: farthest-point seeds starting at
                // the lowest id, at most ceil(n/k) nodes per group, up to 20 rounds
    BySerial,   // consecutive runs of roster order (the paper: 100 nodes, 10 groups by serial number)
};

// Splits nodes into sub-chain groups. Each group is a list of indices into `nodes`, ascending.
// Groups are ordered by group number for ByColumn (empty numbers dropped), otherwise by their
// first index. Errors: "grouping.count" (groupCount <= 0 or > nodes.size() where a count is
// needed), "grouping.column" (a node without a group in ByColumn mode), "grouping.location"
// (a node without lat/lon in ByLocation mode). All name the node or the count.
Result<QList<QList<int>>> groupNodes(const QList<NodeInfo> &nodes, int groupCount,
                                     GroupingMode mode = GroupingMode::Auto);

// For a joining node: the index of the group with fewer than maxGroupSize members whose centroid
// (mean lat/lon of its located members) is nearest to `node`. Without a location for the node
// (or for every candidate group) the smallest group with room is chosen. Ties go to the lowest
// group index. -1 if no group has room.
int nearestGroupWithRoom(const NodeInfo &node, const QList<NodeInfo> &nodes,
                         const QList<QList<int>> &groups, int maxGroupSize);

// Equirectangular distance in kilometres; accurate enough at microgrid scale (a few km).
double equirectangularKm(double lat1, double lon1, double lat2, double lon2);

} // namespace mg::roster
