#include "core/roster/node.h"

#include <QList>
#include <QLocale>
#include <QStringDecoder>
#include <QtEndian>

#include <bit>
#include <cmath>

namespace mg::roster {

namespace {

struct RoleName
{
    Role role;
    const char *name;
};

constexpr RoleName roleNames[] = {
    {Role::Generator, "generator"},
    {Role::Consumer, "consumer"},
    {Role::Storage, "storage"},
};

constexpr const char *stateNames[] = {"pending", "active", "suspended", "evicted"};

QString shortestNumber(double v)
{
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

} // namespace

QString rolesToString(Roles roles)
{
    QStringList parts;
    if (roles.testFlag(Role::Generator) && roles.testFlag(Role::Consumer)) {
        parts << QStringLiteral("prosumer");
    } else {
        if (roles.testFlag(Role::Generator))
            parts << QStringLiteral("generator");
        if (roles.testFlag(Role::Consumer))
            parts << QStringLiteral("consumer");
    }
    if (roles.testFlag(Role::Storage))
        parts << QStringLiteral("storage");
    return parts.join(QLatin1Char('+'));
}

std::optional<Roles> rolesFromString(QStringView text)
{
    Roles roles;
    const auto tokens = text.split(QLatin1Char('+'));
    for (QStringView token : tokens) {
        token = token.trimmed();
        if (token.compare(QLatin1String("prosumer"), Qt::CaseInsensitive) == 0) {
            roles |= Role::Generator | Role::Consumer;
            continue;
        }
        bool found = false;
        for (const RoleName &rn : roleNames) {
            if (token.compare(QLatin1String(rn.name), Qt::CaseInsensitive) == 0) {
                roles |= rn.role;
                found = true;
                break;
            }
        }
        if (!found)
            return std::nullopt; // also covers empty tokens ("", "generator+")
    }
    return roles;
}

QString membershipStateName(MembershipState state)
{
    const auto i = static_cast<quint8>(state);
    Q_ASSERT(i < std::size(stateNames));
    return QLatin1String(stateNames[i]);
}

std::optional<MembershipState> membershipStateFromString(QStringView text)
{
    text = text.trimmed();
    for (quint8 i = 0; i < std::size(stateNames); ++i) {
        if (text.compare(QLatin1String(stateNames[i]), Qt::CaseInsensitive) == 0)
            return static_cast<MembershipState>(i);
    }
    return std::nullopt;
}

bool Weights::isValid() const
{
    const double all[] = {renewable, environmental, cost, stability};
    double sum = 0;
    for (double w : all) {
        // written so that NaN fails too
        if (!(w >= 0.0 && w <= 1.0))
            return false;
        sum += w;
    }
    return std::abs(sum - 1.0) <= 1e-9;
}

QString Weights::toString() const
{
    return shortestNumber(renewable) + QLatin1Char(',') + shortestNumber(environmental)
        + QLatin1Char(',') + shortestNumber(cost) + QLatin1Char(',') + shortestNumber(stability);
}

Result<Weights> Weights::parse(QStringView text)
{
    static const char *const names[] = {"renewable", "environmental", "cost", "stability"};
    const auto parts = text.split(QLatin1Char(','));
    if (parts.size() != 4) {
        return Result<Weights>::fail(QStringLiteral("roster.weights"),
            QStringLiteral("weights '%1': expected 4 comma-separated numbers (renewable,environmental,"
                           "cost,stability), found %2").arg(text.toString()).arg(parts.size()));
    }
    double values[4];
    for (int i = 0; i < 4; ++i) {
        const QStringView part = parts.at(i).trimmed();
        bool ok = false;
        const double v = part.toDouble(&ok);
        if (!ok || !std::isfinite(v)) {
            return Result<Weights>::fail(QStringLiteral("roster.weights"),
                QStringLiteral("weight '%1': '%2' is not a number").arg(QLatin1String(names[i]), part.toString()));
        }
        if (v < 0.0 || v > 1.0) {
            return Result<Weights>::fail(QStringLiteral("roster.weights"),
                QStringLiteral("weight '%1': '%2' is outside [0,1]").arg(QLatin1String(names[i]), part.toString()));
        }
        values[i] = v;
    }
    Weights w{values[0], values[1], values[2], values[3]};
    if (!w.isValid()) {
        return Result<Weights>::fail(QStringLiteral("roster.weights"),
            QStringLiteral("weights '%1' sum to %2, expected 1")
                .arg(text.toString(), shortestNumber(values[0] + values[1] + values[2] + values[3])));
    }
    return w;
}

qint64 dbscaScoreMicro(const NodeInfo &node, const Weights &weights)
{
    // Fixed evaluation order: every node must get bit-identical results.
    const double score = node.scoreOverride
        ? *node.scoreOverride
        : weights.renewable * (node.renewable ? 1.0 : 0.0) + weights.environmental * node.environmental
            + weights.cost * node.cost + weights.stability * node.stability;
    return std::llround(score * 1e6);
}

double dbscaScore(const NodeInfo &node, const Weights &weights)
{
    return double(dbscaScoreMicro(node, weights)) / 1e6;
}

// ---- attribute encoding -------------------------------------------------------------------
//
// Version 1 layout (all integers big-endian):
//   u8 version(=1) | u32 nameLen, name UTF-8 | u8 roles | u8 renewable(0/1)
//   | f64 environmental | f64 cost | f64 stability
//   | u8 has + f64 score | u8 has + i32 group | u8 has + f64 lat | u8 has + f64 lon
//   | f64 capacityKw | u8 state
// No trailing bytes.

namespace {

constexpr quint8 attributesVersion = 1;

class AttrWriter
{
public:
    void u8(quint8 v) { m_out.append(char(v)); }
    void u32(quint32 v)
    {
        char buf[4];
        qToBigEndian(v, buf);
        m_out.append(buf, 4);
    }
    void f64(double v)
    {
        char buf[8];
        qToBigEndian(std::bit_cast<quint64>(v), buf);
        m_out.append(buf, 8);
    }
    void raw(const QByteArray &b) { m_out.append(b); }
    QByteArray take() { return std::move(m_out); }

private:
    QByteArray m_out;
};

// Bounds-checked reader; the first failure is kept and later reads return zero.
class AttrReader
{
public:
    explicit AttrReader(QByteArrayView data) : m_data(data) {}

    bool ok() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    bool atEnd() const { return m_pos == m_data.size(); }

    void fail(const char *field, const QString &what)
    {
        if (ok())
            m_error = QStringLiteral("field '%1' %2").arg(QLatin1String(field), what);
    }

    quint8 u8(const char *field)
    {
        if (!need(1, field))
            return 0;
        return quint8(m_data[m_pos++]);
    }
    quint32 u32(const char *field)
    {
        if (!need(4, field))
            return 0;
        const quint32 v = qFromBigEndian<quint32>(m_data.data() + m_pos);
        m_pos += 4;
        return v;
    }
    double f64(const char *field)
    {
        if (!need(8, field))
            return 0;
        const double v = std::bit_cast<double>(qFromBigEndian<quint64>(m_data.data() + m_pos));
        m_pos += 8;
        if (!std::isfinite(v)) {
            fail(field, QStringLiteral("is not a finite number"));
            return 0;
        }
        return v;
    }
    bool flag(const char *field)
    {
        const quint8 v = u8(field);
        if (v > 1)
            fail(field, QStringLiteral("must be 0 or 1, found %1").arg(v));
        return v == 1;
    }
    QString string(const char *field)
    {
        const quint32 len = u32(field);
        if (!need(len, field))
            return {};
        const QByteArrayView bytes = m_data.sliced(m_pos, len);
        m_pos += len;
        // ConvertInitialBom: a leading U+FEFF is data here, not a marker to drop.
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
        QString s = decoder.decode(bytes);
        if (decoder.hasError()) {
            fail(field, QStringLiteral("is not valid UTF-8"));
            return {};
        }
        return s;
    }

private:
    bool need(quint64 n, const char *field)
    {
        if (!ok())
            return false;
        if (n > quint64(m_data.size() - m_pos)) {
            fail(field, QStringLiteral("is truncated"));
            return false;
        }
        return true;
    }

    QByteArrayView m_data;
    qsizetype m_pos = 0;
    QString m_error;
};

} // namespace

QByteArray encodeAttributes(const NodeInfo &node)
{
    AttrWriter w;
    w.u8(attributesVersion);
    const QByteArray name = node.name.toUtf8();
    w.u32(quint32(name.size()));
    w.raw(name);
    w.u8(quint8(node.roles.toInt()));
    w.u8(node.renewable ? 1 : 0);
    w.f64(node.environmental);
    w.f64(node.cost);
    w.f64(node.stability);
    w.u8(node.scoreOverride ? 1 : 0);
    if (node.scoreOverride)
        w.f64(*node.scoreOverride);
    w.u8(node.group ? 1 : 0);
    if (node.group)
        w.u32(quint32(*node.group));
    w.u8(node.lat ? 1 : 0);
    if (node.lat)
        w.f64(*node.lat);
    w.u8(node.lon ? 1 : 0);
    if (node.lon)
        w.f64(*node.lon);
    w.f64(node.capacityKw);
    w.u8(quint8(node.state));
    return w.take();
}

Result<NodeInfo> decodeAttributes(QByteArrayView data, const NodeId &id)
{
    AttrReader r(data);
    NodeInfo node;
    node.id = id;

    const quint8 version = r.u8("version");
    if (r.ok() && version != attributesVersion)
        r.fail("version", QStringLiteral("is %1, expected %2").arg(version).arg(attributesVersion));
    node.name = r.string("name");
    const quint8 roles = r.u8("roles");
    if (r.ok() && (roles == 0 || (roles & ~quint8(7)) != 0))
        r.fail("roles", QStringLiteral("has invalid bits 0x%1").arg(roles, 2, 16, QLatin1Char('0')));
    node.roles = Roles::fromInt(roles);
    node.renewable = r.flag("renewable");
    node.environmental = r.f64("environmental");
    node.cost = r.f64("cost");
    node.stability = r.f64("stability");
    if (r.flag("score.present"))
        node.scoreOverride = r.f64("score");
    if (r.flag("group.present"))
        node.group = int(r.u32("group"));
    if (r.flag("lat.present"))
        node.lat = r.f64("lat");
    if (r.flag("lon.present"))
        node.lon = r.f64("lon");
    node.capacityKw = r.f64("capacity_kw");
    const quint8 state = r.u8("state");
    if (r.ok() && state > quint8(MembershipState::Evicted))
        r.fail("state", QStringLiteral("has unknown value %1").arg(state));
    node.state = MembershipState(state);
    if (r.ok() && !r.atEnd())
        r.fail("end", QStringLiteral("is followed by unexpected trailing bytes"));

    if (!r.ok())
        return Result<NodeInfo>::fail(QStringLiteral("roster.decode"), QStringLiteral("node '%1' attributes: ").arg(id) + r.error());
    return node;
}

} // namespace mg::roster
