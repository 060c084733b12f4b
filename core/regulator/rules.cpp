#include "core/regulator/rules.h"

#include "core/ledger/encoding.h"

#include <cmath>

namespace mg::regulator {

namespace {
constexpr quint8 RulesVersion = 1;
const char *const ReasonNames[] = {"none", "price_band", "trade_size", "export_limit", "feeder_capacity",
                                   "inactive_party", "renewable_mismatch", "self_trade", "manual"};
} // namespace

QString haltReasonName(HaltReason reason)
{
    const auto i = quint16(reason);
    return i <= MaxHaltReason ? QString::fromLatin1(ReasonNames[i]) : QStringLiteral("unknown_%1").arg(i);
}

QList<HaltReason> allHaltReasons()
{
    QList<HaltReason> all;
    for (quint16 i = 1; i <= MaxHaltReason; ++i)
        all.append(HaltReason(i));
    return all;
}

QByteArray Rules::encode() const
{
    ledger::Writer w;
    w.u8(RulesVersion);
    w.boolean(priceBand);
    w.i64(minPrice);
    w.i64(maxPrice);
    w.boolean(tradeSize);
    w.i64(maxTradeWh);
    w.boolean(exportLimit);
    w.i64(qint64(std::llround(exportFactor * 1e6)));
    w.boolean(feederCapacity);
    w.i64(feederWh);
    w.boolean(inactiveParty);
    w.boolean(renewableOnly);
    w.boolean(selfTrade);
    return w.take();
}

Result<Rules> Rules::decode(QByteArrayView bytes)
{
    ledger::Reader r(bytes, QStringLiteral("regulator rules"));
    const quint8 v = r.u8("version");
    if (r.ok() && v != RulesVersion)
        r.fail("version", QStringLiteral("unsupported version %1").arg(v));
    Rules rules;
    rules.priceBand = r.boolean("price_band");
    rules.minPrice = r.i64("min_price");
    rules.maxPrice = r.i64("max_price");
    rules.tradeSize = r.boolean("trade_size");
    rules.maxTradeWh = r.i64("max_trade_wh");
    rules.exportLimit = r.boolean("export_limit");
    rules.exportFactor = double(r.i64("export_factor")) / 1e6;
    rules.feederCapacity = r.boolean("feeder_capacity");
    rules.feederWh = r.i64("feeder_wh");
    rules.inactiveParty = r.boolean("inactive_party");
    rules.renewableOnly = r.boolean("renewable_only");
    rules.selfTrade = r.boolean("self_trade");
    if (r.ok() && (rules.minPrice < 0 || rules.maxPrice < rules.minPrice))
        r.fail("max_price", QStringLiteral("the price band [%1, %2] is empty").arg(rules.minPrice).arg(rules.maxPrice));
    if (r.ok() && (rules.maxTradeWh <= 0 || rules.exportFactor <= 0 || rules.feederWh < 0))
        r.fail("max_trade_wh", QStringLiteral("limits must be positive"));
    if (Status s = r.finish(); !s.ok())
        return s.error();
    return rules;
}

QJsonObject Rules::toJson() const
{
    return QJsonObject{{QStringLiteral("price_band"), priceBand},
                       {QStringLiteral("min_price"), minPrice},
                       {QStringLiteral("max_price"), maxPrice},
                       {QStringLiteral("trade_size"), tradeSize},
                       {QStringLiteral("max_trade_wh"), maxTradeWh},
                       {QStringLiteral("export_limit"), exportLimit},
                       {QStringLiteral("export_factor"), exportFactor},
                       {QStringLiteral("feeder_capacity"), feederCapacity},
                       {QStringLiteral("feeder_wh"), feederWh},
                       {QStringLiteral("inactive_party"), inactiveParty},
                       {QStringLiteral("renewable_only"), renewableOnly},
                       {QStringLiteral("self_trade"), selfTrade}};
}

Status Rules::set(const QString &assignment)
{
    const qsizetype eq = assignment.indexOf(QLatin1Char('='));
    if (eq <= 0)
        return Status::fail(QStringLiteral("rules.syntax"), QStringLiteral("'%1' is not key=value").arg(assignment));
    const QString key = assignment.left(eq).trimmed();
    const QString value = assignment.mid(eq + 1).trimmed();
    Rules next = *this;
    bool ok = true;
    auto flag = [&](bool &field) {
        if (value == QLatin1String("on") || value == QLatin1String("true") || value == QLatin1String("1"))
            field = true;
        else if (value == QLatin1String("off") || value == QLatin1String("false") || value == QLatin1String("0"))
            field = false;
        else
            ok = false;
    };
    auto number = [&](qint64 &field) { field = value.toLongLong(&ok); };
    if (key == QLatin1String("price_band")) flag(next.priceBand);
    else if (key == QLatin1String("min_price")) number(next.minPrice);
    else if (key == QLatin1String("max_price")) number(next.maxPrice);
    else if (key == QLatin1String("trade_size")) flag(next.tradeSize);
    else if (key == QLatin1String("max_trade_wh")) number(next.maxTradeWh);
    else if (key == QLatin1String("export_limit")) flag(next.exportLimit);
    else if (key == QLatin1String("export_factor")) next.exportFactor = value.toDouble(&ok);
    else if (key == QLatin1String("feeder_capacity")) flag(next.feederCapacity);
    else if (key == QLatin1String("feeder_wh")) number(next.feederWh);
    else if (key == QLatin1String("inactive_party")) flag(next.inactiveParty);
    else if (key == QLatin1String("renewable_only")) flag(next.renewableOnly);
    else if (key == QLatin1String("self_trade")) flag(next.selfTrade);
    else
        return Status::fail(QStringLiteral("rules.key"), QStringLiteral("unknown rule '%1'").arg(key));
    if (!ok)
        return Status::fail(QStringLiteral("rules.value"), QStringLiteral("rule '%1': '%2' is not a valid value").arg(key, value));
    // Round-trip through the decoder: it owns the range checks.
    auto checked = Rules::decode(next.encode());
    if (!checked.ok())
        return Status::fail(QStringLiteral("rules.value"), QStringLiteral("rule '%1': %2").arg(key, checked.error().message));
    *this = checked.value();
    return okStatus();
}

Inspector::Inspector(const Rules &rules, const consensus::Directory &directory, const QList<consensus::NodeId> &members,
                     qint64 slotMs)
    : m_rules(rules)
    , m_directory(directory)
    , m_slotMs(slotMs)
{
    m_feederWh = rules.feederWh;
    if (m_feederWh <= 0) {
        double capacityKw = 0;
        for (const consensus::NodeId &m : members)
            if (const auto *e = directory.find(m))
                capacityKw += e->info.capacityKw;
        m_feederWh = qint64(capacityKw * 1000.0 * double(slotMs) / 3600000.0 / 2.0);
    }
}

void Inspector::addFinal(const market::Fill &fill)
{
    m_sold[{fill.slot, fill.seller}] += fill.energyWh;
    m_traded[fill.slot] += fill.energyWh;
}

HaltReason Inspector::inspect(const market::Fill &fill)
{
    const auto *buyer = m_directory.find(fill.buyer);
    const auto *seller = m_directory.find(fill.seller);
    const auto active = [](const consensus::Directory::Entry *e) {
        return e && e->info.state == roster::MembershipState::Active;
    };
    HaltReason reason = HaltReason::None;
    if (m_rules.priceBand && (fill.price < m_rules.minPrice || fill.price > m_rules.maxPrice))
        reason = HaltReason::PriceBand;
    else if (m_rules.tradeSize && fill.energyWh > m_rules.maxTradeWh)
        reason = HaltReason::TradeSize;
    else if (m_rules.exportLimit && seller
             && double(m_sold[{fill.slot, fill.seller}] + fill.energyWh)
                    > seller->info.capacityKw * 1000.0 * double(m_slotMs) / 3600000.0 * m_rules.exportFactor)
        reason = HaltReason::ExportLimit;
    else if (m_rules.feederCapacity && m_traded[fill.slot] + fill.energyWh > m_feederWh)
        reason = HaltReason::FeederCapacity;
    else if (m_rules.inactiveParty && (!active(buyer) || !active(seller)))
        reason = HaltReason::InactiveParty;
    else if (m_rules.renewableOnly && fill.buyRenewableOnly && !(seller && seller->info.renewable))
        reason = HaltReason::RenewableMismatch;
    else if (m_rules.selfTrade && fill.buyer == fill.seller)
        reason = HaltReason::SelfTrade;
    if (reason == HaltReason::None)
        addFinal(fill);
    return reason;
}

} // namespace mg::regulator
