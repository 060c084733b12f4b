#pragma once

#include "core/common/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QFlags>
#include <QString>
#include <QStringView>

#include <optional>

namespace mg::roster {

// Same type as mg::ledger::NodeId; spelled out here so the roster does not depend on the ledger.
using NodeId = QString;

enum class Role : quint8 {
    Generator = 1,
    Consumer = 2,
    Storage = 4,
};
Q_DECLARE_FLAGS(Roles, Role)
Q_DECLARE_OPERATORS_FOR_FLAGS(Roles)

// "generator", "consumer", "storage"; generator+consumer is "prosumer"; combinations are joined
// with '+' ("generator+storage", "prosumer+storage"). An empty set gives an empty string.
QString rolesToString(Roles roles);
// Accepts the names above (case-insensitive) and any '+'-joined combination of them.
std::optional<Roles> rolesFromString(QStringView text);

enum class MembershipState : quint8 {
    Pending,
    Active,
    Suspended,
    Evicted,
};

QString membershipStateName(MembershipState state); // "pending", "active", "suspended", "evicted"
std::optional<MembershipState> membershipStateFromString(QStringView text);

// DBSCA weights; the defaults are the paper's table (renewable 20%, environmental 30%, cost 40%,
// stability 10%). Changed only by a governance transaction.
struct Weights
{
    double renewable = 0.2;
    double environmental = 0.3;
    double cost = 0.4;
    double stability = 0.1;

    // Each weight in [0,1] and the sum within 1e-9 of 1.
    bool isValid() const;
    // "0.2,0.3,0.4,0.1" (shortest round-trip form of each number).
    QString toString() const;
    // "R,E,C,S": four numbers; errors (code "roster.weights") name the weight that is wrong.
    static Result<Weights> parse(QStringView text);

    bool operator==(const Weights &) const = default;
};

struct NodeInfo
{
    NodeId id;
    QString name;
    Roles roles = Role::Generator | Role::Consumer;
    bool renewable = false;
    double environmental = 0;
    double cost = 0;
    double stability = 0;
    std::optional<double> scoreOverride; // a measured score that replaces the formula
    std::optional<int> group;            // sub-chain number from the roster, if given
    std::optional<double> lat;
    std::optional<double> lon;
    double capacityKw = 5.0;
    MembershipState state = MembershipState::Active;

    bool isGenerator() const { return roles.testFlag(Role::Generator); }
    bool isConsumer() const { return roles.testFlag(Role::Consumer); }
    bool isStorage() const { return roles.testFlag(Role::Storage); }
    bool isProsumer() const { return isGenerator() && isConsumer(); }
    bool hasLocation() const { return lat.has_value() && lon.has_value(); }

    bool operator==(const NodeInfo &) const = default;
};

// DBSCA score in integer micro-units (llround(score * 1e6)) so that elections compare integers and
// every node computes the same winner. Uses scoreOverride when set.
qint64 dbscaScoreMicro(const NodeInfo &node, const Weights &weights = {});
double dbscaScore(const NodeInfo &node, const Weights &weights = {});

// Compact, versioned, deterministic encoding of every field except id (the store keeps the id in
// its own column). Doubles are stored as their big-endian IEEE-754 bits; optionals carry a
// presence byte. decodeAttributes accepts untrusted bytes: it never reads out of bounds and
// reports the first bad field (code "roster.decode").
QByteArray encodeAttributes(const NodeInfo &node);
Result<NodeInfo> decodeAttributes(QByteArrayView data, const NodeId &id);

} // namespace mg::roster
