#include "core/roster/grouping.h"

#include <QMap>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace mg::roster {

namespace {

constexpr double earthRadiusKm = 6371.0;
constexpr double degToRad = std::numbers::pi / 180.0;
constexpr int maxLocationIterations = 20;

using Groups = QList<QList<int>>;

Result<Groups> countError(const QString &message)
{
    return Result<Groups>::fail(QStringLiteral("grouping.count"), message);
}

Groups bySerial(qsizetype n, int k)
{
    Groups groups;
    const qsizetype base = n / k;
    const qsizetype larger = n % k; // the first `larger` groups get one extra node
    int next = 0;
    for (int g = 0; g < k; ++g) {
        const qsizetype size = base + (g < larger ? 1 : 0);
        QList<int> group;
        group.reserve(size);
        for (qsizetype j = 0; j < size; ++j)
            group.append(next++);
        groups.append(group);
    }
    return groups;
}

Result<Groups> byColumn(const QList<NodeInfo> &nodes)
{
    QMap<int, QList<int>> byNumber; // ordered by group number
    for (int i = 0; i < nodes.size(); ++i) {
        if (!nodes[i].group) {
            return Result<Groups>::fail(QStringLiteral("grouping.column"),
                QStringLiteral("node '%1' (row %2) has no group number").arg(nodes[i].id).arg(i + 1));
        }
        byNumber[*nodes[i].group].append(i);
    }
    Groups groups;
    for (const QList<int> &g : std::as_const(byNumber))
        groups.append(g);
    return groups;
}

struct Point
{
    double x = 0;
    double y = 0;
};

double dist2(const Point &a, const Point &b)
{
    const double dx = a.x - b.x;
    const double dy = a.y - b.y;
    return dx * dx + dy * dy;
}

// Balanced k-means. Deterministic: farthest-point seeding from the lowest id, nodes claim
// centroids in order of their distance to the nearest one (ties by index), capacity ceil(n/k).
Groups byLocation(const QList<NodeInfo> &nodes, int k)
{
    const int n = int(nodes.size());

    // Project once onto a plane (equirectangular around the mean latitude) so that centroids are
    // plain means. Microgrids span a few km; the antimeridian is not handled.
    double meanLat = 0;
    for (const NodeInfo &node : nodes)
        meanLat += *node.lat;
    meanLat /= n;
    const double cosRef = std::cos(meanLat * degToRad);
    std::vector<Point> pts(n);
    for (int i = 0; i < n; ++i)
        pts[i] = {*nodes[i].lon * degToRad * cosRef * earthRadiusKm, *nodes[i].lat * degToRad * earthRadiusKm};

    int first = 0;
    for (int i = 1; i < n; ++i) {
        if (nodes[i].id < nodes[first].id)
            first = i;
    }
    std::vector<Point> centroids{pts[first]};
    std::vector<bool> chosen(n, false);
    chosen[first] = true;
    while (int(centroids.size()) < k) {
        int best = -1;
        double bestD = -1;
        for (int i = 0; i < n; ++i) {
            if (chosen[i])
                continue;
            double d = std::numeric_limits<double>::infinity();
            for (const Point &c : centroids)
                d = std::min(d, dist2(pts[i], c));
            if (d > bestD) { // strict: ties keep the lowest index
                bestD = d;
                best = i;
            }
        }
        chosen[best] = true;
        centroids.push_back(pts[best]);
    }

    const int capacity = (n + k - 1) / k;
    std::vector<int> assignment(n, -1);
    for (int iteration = 0; iteration < maxLocationIterations; ++iteration) {
        std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
        for (int i = 0; i < n; ++i) {
            for (const Point &c : centroids)
                nearest[i] = std::min(nearest[i], dist2(pts[i], c));
        }
        std::vector<int> order(n);
        for (int i = 0; i < n; ++i)
            order[i] = i;
        std::sort(order.begin(), order.end(), [&](int a, int b) {
            return nearest[a] != nearest[b] ? nearest[a] < nearest[b] : a < b;
        });

        std::vector<int> next(n, -1);
        std::vector<int> sizes(k, 0);
        for (int i : order) {
            int best = -1;
            double bestD = 0;
            for (int c = 0; c < k; ++c) {
                if (sizes[c] >= capacity)
                    continue;
                const double d = dist2(pts[i], centroids[c]);
                if (best < 0 || d < bestD) {
                    best = c;
                    bestD = d;
                }
            }
            next[i] = best; // capacity * k >= n, so there is always room somewhere
            ++sizes[best];
        }
        // The capacity bound alone can leave a group empty (e.g. n=10, k=6): give each empty
        // group the node nearest its centroid taken from a group that can spare one.
        for (int c = 0; c < k; ++c) {
            if (sizes[c] > 0)
                continue;
            int best = -1;
            double bestD = 0;
            for (int i = 0; i < n; ++i) {
                if (sizes[next[i]] < 2)
                    continue;
                const double d = dist2(pts[i], centroids[c]);
                if (best < 0 || d < bestD) {
                    best = i;
                    bestD = d;
                }
            }
            --sizes[next[best]];
            next[best] = c;
            sizes[c] = 1;
        }

        if (next == assignment)
            break;
        assignment = std::move(next);

        std::vector<Point> sums(k);
        for (int i = 0; i < n; ++i) {
            sums[assignment[i]].x += pts[i].x;
            sums[assignment[i]].y += pts[i].y;
        }
        for (int c = 0; c < k; ++c)
            centroids[c] = {sums[c].x / sizes[c], sums[c].y / sizes[c]};
    }

    Groups byCluster(k);
    for (int i = 0; i < n; ++i)
        byCluster[assignment[i]].append(i);
    std::sort(byCluster.begin(), byCluster.end(),
              [](const QList<int> &a, const QList<int> &b) { return a.front() < b.front(); });
    return byCluster;
}

} // namespace

double equirectangularKm(double lat1, double lon1, double lat2, double lon2)
{
    const double x = (lon2 - lon1) * degToRad * std::cos((lat1 + lat2) / 2 * degToRad);
    const double y = (lat2 - lat1) * degToRad;
    return std::sqrt(x * x + y * y) * earthRadiusKm;
}

Result<Groups> groupNodes(const QList<NodeInfo> &nodes, int groupCount, GroupingMode mode)
{
    if (mode == GroupingMode::Auto) {
        const bool allGrouped = std::all_of(nodes.begin(), nodes.end(), [](const NodeInfo &n) { return n.group.has_value(); });
        const bool allLocated = std::all_of(nodes.begin(), nodes.end(), [](const NodeInfo &n) { return n.hasLocation(); });
        if (allGrouped)
            mode = GroupingMode::ByColumn;
        else if (allLocated && groupCount > 0)
            mode = GroupingMode::ByLocation;
        else
            mode = GroupingMode::BySerial;
    }

    if (mode == GroupingMode::ByColumn)
        return byColumn(nodes);

    if (groupCount <= 0)
        return countError(QStringLiteral("group count %1 must be positive (the roster has no group column)").arg(groupCount));
    if (groupCount > nodes.size())
        return countError(QStringLiteral("group count %1 exceeds the number of nodes (%2)").arg(groupCount).arg(nodes.size()));

    if (mode == GroupingMode::BySerial)
        return bySerial(nodes.size(), groupCount);

    for (int i = 0; i < nodes.size(); ++i) {
        if (!nodes[i].hasLocation()) {
            return Result<Groups>::fail(QStringLiteral("grouping.location"),
                QStringLiteral("node '%1' (row %2) has no lat/lon").arg(nodes[i].id).arg(i + 1));
        }
    }
    return byLocation(nodes, groupCount);
}

int nearestGroupWithRoom(const NodeInfo &node, const QList<NodeInfo> &nodes, const QList<QList<int>> &groups,
                         int maxGroupSize)
{
    int nearest = -1;
    double nearestKm = 0;
    int smallest = -1;
    for (int g = 0; g < groups.size(); ++g) {
        const QList<int> &group = groups[g];
        if (group.size() >= maxGroupSize)
            continue;
        if (smallest < 0 || group.size() < groups[smallest].size())
            smallest = g;
        if (!node.hasLocation())
            continue;
        double lat = 0;
        double lon = 0;
        int located = 0;
        for (int i : group) {
            if (i < 0 || i >= nodes.size() || !nodes[i].hasLocation())
                continue;
            lat += *nodes[i].lat;
            lon += *nodes[i].lon;
            ++located;
        }
        if (located == 0)
            continue;
        const double km = equirectangularKm(*node.lat, *node.lon, lat / located, lon / located);
        if (nearest < 0 || km < nearestKm) {
            nearest = g;
            nearestKm = km;
        }
    }
    return nearest >= 0 ? nearest : smallest;
}

} // namespace mg::roster
