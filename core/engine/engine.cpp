#include "core/engine/engine.h"

#include "core/auth/auth.h"
#include "core/engine/chain_rules.h"
#include "core/ledger/payloads.h"
#include "core/store/store.h"

#include <QLoggingCategory>

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcEngine, "mg.engine", QtWarningMsg)

namespace mg::engine {

using ledger::Block;
using ledger::Transaction;
using ledger::TxKind;
using net::TimeUs;

QString topologyName(Topology topology)
{
    return topology == Topology::Double ? QStringLiteral("double") : QStringLiteral("single");
}

double LatencySamples::percentileMs(double p) const
{
    if (m_samples.empty())
        return 0;
    if (!m_sorted) {
        std::sort(m_samples.begin(), m_samples.end());
        m_sorted = true;
    }
    const size_t idx = std::min(m_samples.size() - 1, size_t(std::ceil(p / 100.0 * double(m_samples.size()))) - (p > 0 ? 1 : 0));
    return double(m_samples[idx]) / 1000.0;
}

double LatencySamples::meanMs() const
{
    if (m_samples.empty())
        return 0;
    double sum = 0;
    for (TimeUs v : m_samples)
        sum += double(v);
    return sum / double(m_samples.size()) / 1000.0;
}

crypto::KeyPair Engine::seededKey(quint64 seed, const NodeId &node)
{
    const crypto::Hash256 h = crypto::sha256({QByteArrayView("mg-node-key"), QByteArray::number(seed), node.toUtf8()});
    return crypto::KeyPair::fromPrivateKey(h.toByteArray()).value();
}

Result<Scenario> Engine::scenarioFromStore(const QString &dataDir)
{
    store::Store::Options options;
    options.create = false;
    auto opened = store::Store::open(dataDir, options);
    if (!opened.ok())
        return opened.error();
    const store::Store &db = *opened.value();
    Scenario sc;
    bool ok = false;
    sc.seed = db.meta(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok)
        return Error{QStringLiteral("engine.no_scenario"), QStringLiteral("%1 holds no microgrid scenario (no seed); create it with 'microgrid-cli run --data'").arg(dataDir)};
    sc.topology = db.meta(QStringLiteral("topology")) == QLatin1String("single") ? Topology::Single : Topology::Double;
    auto nodes = db.nodes();
    if (!nodes.ok())
        return nodes.error();
    sc.regulators.clear();
    for (const store::NodeRecord &r : nodes.value()) {
        if (r.roles == QLatin1String("regulator")) {
            sc.regulators.append(r.id);
            continue;
        }
        auto info = roster::decodeAttributes(r.attributes, r.id);
        if (!info.ok())
            return Error{info.error().code, QStringLiteral("node %1 in %2: %3").arg(r.id, dataDir, info.error().message)};
        if (info->state == roster::MembershipState::Pending || r.chainId == 0)
            continue; // joined later: replayed from the governance chain
        roster::NodeInfo n = info.value();
        n.state = roster::MembershipState::Active; // states are re-derived from the chain
        n.group = int(r.chainId);
        sc.roster.append(n);
    }
    sc.grouping = roster::GroupingMode::ByColumn;
    sc.groups = db.meta(QStringLiteral("groups")).toInt();
    sc.dataDir = dataDir;
    return sc;
}

Engine::Engine(const Scenario &scenario)
    : m_scenario(scenario)
    , m_ruleBook(scenario.rules)
    , m_loadRng(scenario.seed ^ 0x9e3779b97f4a7c15ull)
{
}

Engine::~Engine()
{
    m_nodes.clear(); // members first: they reference chains and the network
    m_chains.clear();
}

Result<std::unique_ptr<Engine>> Engine::create(const Scenario &scenario)
{
    if (scenario.roster.isEmpty())
        return Result<std::unique_ptr<Engine>>::fail(QStringLiteral("scenario.roster"), QStringLiteral("the roster has no nodes"));
    std::unique_ptr<Engine> engine(new Engine(scenario));
    if (Status s = engine->build(); !s.ok())
        return s.error();
    return engine;
}

Status Engine::build()
{
    const Scenario &sc = m_scenario;
    m_loop = std::make_unique<net::EventLoop>(sc.clock, sc.virtualStartMs * net::UsPerMs);
    m_network = std::make_unique<net::InProcessNetwork>(*m_loop, sc.seed, sc.link);
    m_directory.setWeights(sc.weights);

    // Sub-chains.
    QList<QList<int>> groups;
    if (sc.topology == Topology::Single) {
        QList<int> all;
        for (int i = 0; i < sc.roster.size(); ++i)
            all.append(i);
        groups.append(all);
    } else {
        auto g = roster::groupNodes(sc.roster, sc.groups, sc.grouping);
        if (!g.ok())
            return g.error();
        groups = g.value();
    }

    for (int gi = 0; gi < groups.size(); ++gi) {
        const ChainId chainId = ChainId(gi + 1);
        auto rules = std::make_unique<SubChainRules>(sc.topology == Topology::Single,
                                                     std::make_unique<market::MarketState>(chainId, sc.market, m_directory, m_ruleBook, [this, chainId] {
                                                         consensus::ChainContext *c = chain(chainId);
                                                         return c ? c->members() : QList<NodeId>();
                                                     }));
        auto ctx = std::make_unique<consensus::ChainContext>(chainId, false, sc.consensus, m_directory, *rules);
        rules->setContext(ctx.get());
        QList<NodeId> members;
        for (int idx : groups[gi]) {
            const roster::NodeInfo &info = sc.roster[idx];
            consensus::Directory::Entry e;
            e.info = info;
            e.key = seededKey(sc.seed, info.id);
            e.publicKey = e.key.publicKey();
            e.chainId = chainId;
            m_directory.add(e);
            members.append(info.id);
        }
        ctx->setMembers(members);
        hookChain(*ctx);
        m_chainRules.push_back(std::move(rules));
        m_chains.emplace(chainId, std::move(ctx));
    }
    if (sc.topology == Topology::Double) {
        auto rules = std::make_unique<ParentChainRules>(m_directory);
        auto ctx = std::make_unique<consensus::ChainContext>(ledger::ParentChainId, true, sc.consensus, m_directory, *rules);
        hookChain(*ctx);
        m_chainRules.push_back(std::move(rules));
        m_chains.emplace(ledger::ParentChainId, std::move(ctx));
    }

    for (const QString &id : sc.regulators) {
        if (m_directory.find(id))
            return Status::fail(QStringLiteral("scenario.regulator"), QStringLiteral("regulator id '%1' is also a roster node").arg(id));
        consensus::Directory::Entry e;
        e.info.id = id;
        e.info.name = QStringLiteral("Regulator %1").arg(id);
        e.info.roles = {};
        e.info.capacityKw = 0;
        e.key = seededKey(sc.seed, id);
        e.publicKey = e.key.publicKey();
        e.regulator = true;
        m_directory.add(e);
    }

    for (const NodeId &id : m_directory.ids()) {
        const consensus::Directory::Entry *e = m_directory.find(id);
        m_nodes.emplace(id, std::make_unique<consensus::Node>(id, e->key, *m_loop, *m_network));
    }

    consensus::Governance::Hooks hooks;
    hooks.members = [this](ChainId id) {
        consensus::ChainContext *ctx = chain(id);
        return ctx ? ctx->members() : QList<NodeId>();
    };
    hooks.placeJoiner = [this](const roster::NodeInfo &info) { return placeJoiner(info); };
    hooks.onOpened = [this](const consensus::Governance::Proposal &p) { onProposalOpened(p); };
    hooks.onDecided = [this](const consensus::Governance::Proposal &p) { onProposalDecided(p); };
    hooks.onRegulatorAction = [this](const Transaction &tx, const ledger::RegulatorActionPayload &p, qint64 blockMs) {
        onRegulatorAction(tx, p, blockMs);
    };
    hooks.onStateChanged = [this](const NodeId &id) {
        m_directory.touch();
        if (!m_replaying)
            reelectWithout(chainOf(id), id);
        persistNode(id);
    };
    m_governance = std::make_unique<consensus::Governance>(m_directory, sc.governance, hooks);

    if (!sc.dataDir.isEmpty()) {
        auto opened = store::Store::open(sc.dataDir);
        if (!opened.ok())
            return opened.error();
        m_store = std::move(opened).value();
        if (Status s = restoreFromStore(); !s.ok())
            return s;
        QList<store::NodeRecord> records;
        for (const NodeId &id : m_directory.ids())
            records.append(nodeRecord(id));
        if (Status s = m_store->putNodes(records); !s.ok())
            return s;
        // What a later process needs to host the same nodes again (their keys derive from it).
        for (const auto &[key, value] : {std::pair{QStringLiteral("seed"), QString::number(sc.seed)},
                                         std::pair{QStringLiteral("topology"), topologyName(sc.topology)},
                                         std::pair{QStringLiteral("groups"), QString::number(m_chains.size() - (sc.topology == Topology::Double ? 1 : 0))}})
            if (Status s = m_store->setMeta(key, value); !s.ok())
                return s;
    }
    return okStatus();
}

// Resumes every chain at its stored tip, and re-derives membership (joins, suspensions, kicks)
// by replaying the governance chain, so it is the chain, not a side table, that decides.
Status Engine::restoreFromStore()
{
    qint64 latestMs = 0;
    for (auto &[id, ctx] : m_chains) {
        const std::optional<quint64> tip = m_store->tipHeight(id);
        if (!tip)
            continue;
        auto block = m_store->block(id, *tip);
        if (!block.ok())
            return block.error();
        ctx->restoreTip(block->header, block->txIds());
        latestMs = std::max(latestMs, block->header.timestampMs);
    }
    // Virtual clock: resume after the newest stored block. Starting again at the scenario's start
    // time would make the seeded load re-create transactions (same sender, time and nonce, so the
    // same ids) that are already final, and the store refuses such blocks.
    if (m_loop->mode() == net::ClockMode::Virtual && latestMs >= m_loop->nowMs())
        m_loop->runFor((latestMs + 1 - m_loop->nowMs()) * net::UsPerMs);
    m_replaying = true;
    std::map<ChainId, quint64> anchored; // per sub-chain: heights below this are anchored
    // Re-derive the markets (books, contracts, accounts) and membership from the stored chains.
    for (auto &[id, ctx] : m_chains) {
        const std::optional<quint64> tip = m_store->tipHeight(id);
        for (quint64 h = 0; tip && h <= *tip; ++h) {
            auto block = m_store->block(id, h);
            if (!block.ok()) {
                m_replaying = false;
                return block.error();
            }
            if (!ctx->isParent())
                ctx->rules().applyFinal(block.value());
            if (id == governanceChain())
                m_governance->apply(block.value());
            if (ctx->isParent())
                for (const Transaction &tx : block->txs)
                    if (tx.kind == TxKind::Anchor)
                        if (auto a = ledger::AnchorPayload::decode(tx.payload))
                            if (auto h = ledger::BlockHeader::decode(a->header))
                                anchored[h->chainId] = std::max(anchored[h->chainId], h->height + 1);
        }
    }
    // Sub-chain blocks that became final but were not anchored before the stop: anchor them at start.
    if (m_scenario.topology == Topology::Double)
        for (const auto &[id, ctx] : m_chains)
            if (!ctx->isParent() && ctx->hasBlocks())
                for (quint64 h = anchored[id]; h <= ctx->tip().height; ++h)
                    m_unanchored.append({id, h});
    m_replaying = false;
    return okStatus();
}

void Engine::hookChain(consensus::ChainContext &ctx)
{
    ctx.onFinal = [this, &ctx](const Block &block) { onFinal(ctx, block); };
    ctx.onBillerChanged = [this, &ctx](const ledger::BillerChangePayload &result, const NodeId &previous) {
        ++m_billerChanges[ctx.id()];
        if (!ctx.isParent())
            updateParentMembers();
        // The change is recorded on the parent chain, signed by the new biller.
        consensus::Node *winner = node(result.newBiller);
        if (!winner || ctx.id() == ledger::ParentChainId)
            return;
        Transaction tx;
        tx.kind = TxKind::BillerChange;
        tx.chainId = governanceChain();
        tx.sender = result.newBiller;
        tx.timestampMs = m_loop->nowMs();
        tx.nonce = ++m_nonces[result.newBiller];
        tx.payload = result.encode();
        tx.sign(winner->key());
        (void)submit(tx);
        Q_UNUSED(previous);
    };
    ctx.onRejectedBlock = [this, &ctx](const NodeId &member, const NodeId &biller, const QString &reason) {
        ++m_metrics.rejectedBlocks;
        m_metrics.evidence.append(QStringLiteral("chain %1: %2 rejected a block from %3: %4").arg(ctx.id()).arg(member, biller, reason));
        consensus::Node *n = node(member);
        if (!n)
            return;
        // Evidence: a signed reject on the parent chain (on the only chain in the baseline).
        ledger::AckPayload ack;
        ack.chainId = ctx.id();
        ack.height = ctx.nextHeight();
        ack.biller = biller;
        ack.accept = false;
        ack.reason = reason;
        Transaction tx;
        tx.kind = TxKind::Ack;
        tx.chainId = m_scenario.topology == Topology::Double ? ledger::ParentChainId : ctx.id();
        tx.sender = member;
        tx.timestampMs = m_loop->nowMs();
        tx.nonce = ++m_nonces[member];
        tx.payload = ack.encode();
        tx.sign(n->key());
        (void)submit(tx);
    };
    ctx.onBillerTimeout = [this, &ctx](const NodeId &silent) {
        const QString key = QStringLiteral("%1/%2").arg(ctx.id()).arg(silent);
        if (m_suspensionProposed.contains(key))
            return; // every member notices; one proposal is enough
        m_suspensionProposed.insert(key);
        ++m_metrics.billerTimeouts;
        m_metrics.evidence.append(QStringLiteral("chain %1: biller %2 went silent").arg(ctx.id()).arg(silent));
        // Proposed for suspension by a live member of the chain.
        for (const NodeId &m : ctx.members()) {
            consensus::Node *n = node(m);
            if (m != silent && n && !n->isDown() && m_directory.isActive(m)) {
                (void)propose(m, ledger::GovernancePayload::Action::Suspend, silent,
                              QStringLiteral("biller silent past the timeout on chain %1").arg(ctx.id()));
                break;
            }
        }
    };
}

void Engine::updateParentMembers()
{
    consensus::ChainContext *parent = chain(ledger::ParentChainId);
    if (!parent)
        return;
    QList<NodeId> billers = m_directory.regulators();
    for (const auto &[id, ctx] : m_chains)
        if (!ctx->isParent() && !ctx->biller().isEmpty())
            billers.append(ctx->biller());
    const QList<NodeId> previous = parent->members();
    parent->setMembers(billers);
    for (const NodeId &old : previous)
        if (!parent->isMember(old))
            if (consensus::Node *n = node(old))
                n->leave(ledger::ParentChainId);
    if (!m_started)
        return;
    for (const NodeId &id : parent->members())
        if (consensus::Node *n = node(id))
            n->join(*parent);
}

void Engine::start()
{
    if (m_started)
        return;
    m_started = true;
    for (const auto &[id, ctx] : m_chains) {
        if (ctx->isParent())
            continue;
        for (const NodeId &m : ctx->members())
            node(m)->join(*ctx);
    }
    updateParentMembers();
    if (!m_unanchored.isEmpty())
        anchorLeftovers();
    if (m_scenario.ordersPerNodePerSecond > 0)
        for (const auto &[id, n] : m_nodes)
            if (chainOf(id) != 0)
                scheduleLoad(id);
    if (m_scenario.agents)
        scheduleAgents();
}

// After a restart: anchors the blocks found unanchored, once the parent chain has members again.
void Engine::anchorLeftovers()
{
    consensus::ChainContext *parent = chain(ledger::ParentChainId);
    if (!parent || parent->biller().isEmpty()) {
        m_loop->schedule(200 * net::UsPerMs, [this] { anchorLeftovers(); });
        return;
    }
    for (const auto &[chainId, height] : std::exchange(m_unanchored, {}))
        if (auto block = m_store->block(chainId, height); block.ok())
            anchor(block.value());
}

void Engine::submitSigned(const NodeId &id, TxKind kind, const QByteArray &payload)
{
    consensus::Node *n = node(id);
    if (!n || n->isDown() || !m_directory.isActive(id))
        return;
    Transaction tx;
    tx.kind = kind;
    tx.chainId = chainOf(id);
    tx.sender = id;
    tx.timestampMs = m_loop->nowMs();
    tx.nonce = ++m_nonces[id];
    tx.payload = payload;
    tx.sign(n->key());
    (void)submit(tx);
}

// Agents act twice per slot: ten minutes before it starts they order for it (the book closes at
// the slot's start), and a few seconds after it ends their meters report.
void Engine::scheduleAgents()
{
    const market::MarketConfig &mc = m_scenario.market;
    const qint64 now = m_loop->nowMs();
    const qint64 lead = std::min<qint64>(10 * 60 * 1000, mc.slotMs * 2 / 3);
    qint64 slot = mc.slotOf(now + lead) + 1;
    const qint64 nextAt = mc.slotStartMs(slot) - lead;
    m_loop->schedule((nextAt - now) * net::UsPerMs, [this, slot] {
        runAgentsForSlot(slot);
        scheduleAgents();
    });
}

void Engine::runAgentsForSlot(qint64 slot)
{
    const market::MarketConfig &mc = m_scenario.market;
    for (const NodeId &id : m_directory.ids()) {
        const consensus::Directory::Entry *e = m_directory.find(id);
        if (!e || e->info.state != roster::MembershipState::Active || !node(id) || e->chainId == 0)
            continue;
        auto &agent = m_agents[id];
        if (!agent)
            agent = std::make_unique<grid::ProsumerAgent>(e->info, m_scenario.seed, mc);
        if (auto order = agent->planOrder(slot))
            submitSigned(id, TxKind::Order, order->encode());
    }
    // Meters report the slot just after it ends (spread over a few seconds, as real meters do).
    const qint64 reportAt = mc.slotEndMs(slot) + 2000;
    m_loop->schedule((reportAt - m_loop->nowMs()) * net::UsPerMs, [this, slot] {
        for (const auto &[id, agent] : m_agents) {
            const market::MeterReading r = agent->meter(slot);
            ledger::MeterReadingPayload p;
            p.deliverySlot = slot;
            p.generatedWh = r.generatedWh;
            p.consumedWh = r.consumedWh;
            submitSigned(id, TxKind::MeterReading, p.encode());
        }
    });
}

void Engine::scheduleLoad(const NodeId &id)
{
    // Poisson arrivals: exponential gaps from our own mapping of the seeded generator.
    const double u = (double(m_loadRng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    const double gapSeconds = -std::log(u) / m_scenario.ordersPerNodePerSecond;
    m_loop->schedule(TimeUs(gapSeconds * double(net::UsPerSecond)), [this, id] {
        consensus::Node *n = node(id);
        if (n && !n->isDown() && m_directory.isActive(id))
            (void)submit(makeOrder(id));
        scheduleLoad(id);
    });
}

Transaction Engine::makeOrder(const NodeId &id)
{
    const consensus::Directory::Entry *e = m_directory.find(id);
    ledger::OrderPayload order;
    const bool canSell = e && e->info.isGenerator();
    const bool canBuy = !e || e->info.isConsumer() || !canSell;
    order.side = canSell && (!canBuy || (m_loadRng() & 1)) ? ledger::Side::Sell : ledger::Side::Buy;
    // Within what the node can deliver in one slot (the market refuses bigger orders), and
    // within the tariff band.
    const market::MarketConfig &mc = m_scenario.market;
    const qint64 maxWh = std::max<qint64>(1, qint64((e ? e->info.capacityKw : 1.0) * 1000.0 * double(mc.slotMs) / 3600000.0));
    order.energyWh = 1 + qint64(m_loadRng() % quint64(std::min<qint64>(maxWh, 5000)));
    order.priceMilliPerKwh = mc.feedInTariff + qint64(m_loadRng() % quint64(mc.gridTariff - mc.feedInTariff + 1));
    const qint64 now = m_loop->nowMs();
    order.deliverySlot = mc.slotOf(now) + 1;
    order.expiresAtMs = mc.slotStartMs(order.deliverySlot);

    Transaction tx;
    tx.kind = TxKind::Order;
    tx.chainId = chainOf(id);
    tx.sender = id;
    tx.timestampMs = now;
    tx.nonce = ++m_nonces[id];
    tx.payload = order.encode();
    if (consensus::Node *n = node(id))
        tx.sign(n->key());
    return tx;
}

Status Engine::submit(const Transaction &tx)
{
    consensus::Node *n = node(tx.sender);
    if (!n)
        return Status::fail(QStringLiteral("engine.unknown_node"), QStringLiteral("node %1 is not hosted here").arg(tx.sender));
    consensus::ChainContext *ctx = chain(tx.chainId);
    if (!ctx)
        return Status::fail(QStringLiteral("engine.unknown_chain"), QStringLiteral("there is no chain %1").arg(tx.chainId));
    if (QString why = ctx->rules().admit(tx); !why.isEmpty())
        return Status::fail(QStringLiteral("engine.refused"), why);
    if (!tx.verify(m_directory.publicKey(tx.sender)))
        return Status::fail(QStringLiteral("engine.signature"), QStringLiteral("transaction from %1 has a bad signature").arg(tx.sender));
    ++m_metrics.submitted;
    if (consensus::ChainMember *m = n->member(tx.chainId)) {
        m->submit(tx);
    } else {
        // Not a member (e.g. a prosumer's governance request): send it to the chain's members.
        m_network->multicast(ctx->members(), net::Message::make(net::MessageType::Transaction, tx.chainId, tx.sender, tx));
    }
    return okStatus();
}

void Engine::onFinal(consensus::ChainContext &ctx, const Block &block)
{
    const TimeUs now = m_loop->now();
    m_metrics.consensus.add(now - block.header.timestampMs * net::UsPerMs);
    std::vector<qint64> submitTimes;
    for (const Transaction &tx : block.txs) {
        if (tx.sender == block.header.billerId && tx.kind == TxKind::Trade)
            continue; // derived, not submitted
        m_metrics.finality.add(now - tx.timestampMs * net::UsPerMs);
        submitTimes.push_back(tx.timestampMs);
    }
    if (m_store) {
        if (Status s = m_store->appendBlock(block); !s.ok())
            qCWarning(lcEngine) << "could not persist block" << block.header.chainId << block.header.height << s.errorString();
    }
    if (ctx.id() == governanceChain())
        m_governance->apply(block);
    if (ctx.isParent()) {
        for (const Transaction &tx : block.txs) {
            if (tx.kind != TxKind::Anchor)
                continue;
            auto anchor = ledger::AnchorPayload::decode(tx.payload);
            if (!anchor.ok())
                continue;
            auto header = ledger::BlockHeader::decode(anchor->header);
            if (!header.ok())
                continue;
            auto it = m_awaitingAnchor.find({header->chainId, header->height});
            if (it == m_awaitingAnchor.end())
                continue;
            for (qint64 t : it->second)
                m_metrics.anchoring.add(now - t * net::UsPerMs);
            m_awaitingAnchor.erase(it);
        }
        return;
    }
    if (m_scenario.topology == Topology::Double) {
        m_awaitingAnchor[{block.header.chainId, block.header.height}] = std::move(submitTimes);
        anchor(block);
    }
}

void Engine::anchor(const Block &block)
{
    consensus::Node *biller = node(block.header.billerId);
    if (!biller)
        return;
    ledger::AnchorPayload payload;
    payload.header = block.header.encode();
    payload.body = block.encodeBody();
    Transaction tx;
    tx.kind = TxKind::Anchor;
    tx.chainId = ledger::ParentChainId;
    tx.sender = biller->id();
    tx.timestampMs = m_loop->nowMs();
    tx.nonce = ++m_nonces[biller->id()];
    tx.payload = payload.encode();
    tx.sign(biller->key());
    (void)submit(tx);
}

Result<crypto::Hash256> Engine::submitAs(const NodeId &id, const crypto::KeyPair &key, TxKind kind, ChainId chainId,
                                         const QByteArray &payload)
{
    Transaction tx;
    tx.kind = kind;
    tx.chainId = chainId;
    tx.sender = id;
    tx.timestampMs = m_loop->nowMs();
    tx.nonce = ++m_nonces[id];
    tx.payload = payload;
    tx.sign(key);
    if (Status s = submit(tx); !s.ok())
        return s.error();
    return tx.id();
}

namespace {
Error forbidden(const QString &what, const QString &user, const QString &why)
{
    return Error{QStringLiteral("auth.forbidden"), QStringLiteral("user %1 may not %2: %3").arg(user, what, why)};
}
} // namespace

Result<crypto::Hash256> Engine::placeOrder(const auth::Session &caller, const NodeId &id, const ledger::OrderPayload &order)
{
    if (!caller.has(auth::Role::Prosumer) || !caller.owns(id))
        return forbidden(QStringLiteral("order for node %1").arg(id), caller.user, QStringLiteral("the node is not bound to this user"));
    return submitAs(id, caller.keys.value(id), TxKind::Order, chainOf(id), order.encode());
}

Result<crypto::Hash256> Engine::cancelOrder(const auth::Session &caller, const NodeId &id, const crypto::Hash256 &orderId)
{
    if (!caller.has(auth::Role::Prosumer) || !caller.owns(id))
        return forbidden(QStringLiteral("cancel for node %1").arg(id), caller.user, QStringLiteral("the node is not bound to this user"));
    const market::MarketState *m = market(chainOf(id));
    const market::BookOrder *resting = m ? m->book().find(orderId) : nullptr;
    if (!resting)
        return Error{QStringLiteral("market.unknown_order"), QStringLiteral("order %1 is not in the book of node %2's sub-chain").arg(orderId.shortHex(), id)};
    if (resting->owner != id)
        return Error{QStringLiteral("market.not_owner"), QStringLiteral("order %1 belongs to %2, not %3").arg(orderId.shortHex(), resting->owner, id)};
    ledger::CancelPayload c;
    c.orderId = orderId;
    return submitAs(id, caller.keys.value(id), TxKind::Cancel, chainOf(id), c.encode());
}

Result<crypto::Hash256> Engine::regulate(const auth::Session &caller, ledger::RegulatorActionPayload::Action action,
                                         const NodeId &subject, const crypto::Hash256 &target, const QString &reason,
                                         const QByteArray &data)
{
    if (!caller.has(auth::Role::Regulator))
        return forbidden(QStringLiteral("act as regulator"), caller.user, QStringLiteral("the regulator role is missing"));
    for (const NodeId &n : caller.nodes)
        if (m_directory.isRegulator(n) && caller.owns(n))
            return regulateAs(n, action, subject, target, reason, data);
    return forbidden(QStringLiteral("act as regulator"), caller.user, QStringLiteral("no regulator node key is unlocked for this user"));
}

Result<crypto::Hash256> Engine::regulateAs(const NodeId &regulatorNode, ledger::RegulatorActionPayload::Action action,
                                           const NodeId &subject, const crypto::Hash256 &target, const QString &reason,
                                           const QByteArray &data)
{
    using RA = ledger::RegulatorActionPayload::Action;
    const consensus::Directory::Entry *e = m_directory.find(regulatorNode);
    consensus::Node *n = node(regulatorNode);
    if (!e || !e->regulator || !n)
        return Error{QStringLiteral("engine.not_regulator"), QStringLiteral("%1 is not a regulator node hosted here").arg(regulatorNode)};
    if (reason.trimmed().isEmpty())
        return Error{QStringLiteral("regulator.reason"), QStringLiteral("a regulator action needs a reason")};
    const bool needsSubject = action == RA::Suspend || action == RA::Unsuspend || action == RA::ProposeKick;
    if (needsSubject && !m_directory.find(subject))
        return Error{QStringLiteral("engine.unknown_node"), QStringLiteral("there is no node %1").arg(subject)};
    const bool needsTarget = action == RA::HaltTrade || action == RA::ApproveJoin || action == RA::RejectJoin || action == RA::Vote;
    if (needsTarget && target.isNull())
        return Error{QStringLiteral("regulator.target"), QStringLiteral("this action needs the id of the trade, order or proposal it concerns")};
    if ((action == RA::ApproveJoin || action == RA::RejectJoin || action == RA::Vote) && !m_governance->proposal(target))
        return Error{QStringLiteral("engine.unknown_proposal"), QStringLiteral("there is no proposal %1").arg(target.shortHex())};
    if (action == RA::SetRules)
        if (auto r = regulator::Rules::decode(data); !r.ok())
            return r.error();
    if (action == RA::SetWeights) {
        auto w = roster::Weights::parse(QString::fromUtf8(data));
        if (!w.ok())
            return w.error();
        if (!w->isValid())
            return Error{QStringLiteral("roster.weights"), QStringLiteral("weights must each lie in [0,1] and add up to 1")};
    }
    ledger::RegulatorActionPayload p;
    p.action = action;
    p.subject = subject;
    p.target = target;
    p.reason = reason;
    p.data = data;
    return submitAs(regulatorNode, e->key, TxKind::RegulatorAction, governanceChain(), p.encode());
}

void Engine::onRegulatorAction(const Transaction &tx, const ledger::RegulatorActionPayload &p, qint64 blockMs)
{
    using RA = ledger::RegulatorActionPayload::Action;
    switch (p.action) {
    case RA::HaltTrade:
        // Effective a moment after this parent block, on whichever sub-chain holds the target.
        for (const auto &[id, ctx] : m_chains)
            if (!ctx->isParent())
                static_cast<SubChainRules &>(ctx->rules()).market().haltByRegulator(p.target, blockMs + regulator::RuleBook::EffectDelayMs);
        break;
    case RA::SetRules:
        if (auto rules = regulator::Rules::decode(p.data))
            m_ruleBook.change(blockMs, rules.value());
        break;
    case RA::SetWeights:
        if (auto w = roster::Weights::parse(QString::fromUtf8(p.data)); w.ok() && w->isValid())
            m_directory.setWeights(w.value());
        break;
    default:
        break;
    }
    Q_UNUSED(tx);
}

ChainId Engine::governanceChain() const
{
    return m_scenario.topology == Topology::Double ? ledger::ParentChainId : ChainId(1);
}

Status Engine::submitGovernance(const NodeId &sender, const ledger::GovernancePayload &payload)
{
    consensus::Node *n = node(sender);
    if (!n)
        return Status::fail(QStringLiteral("engine.unknown_node"), QStringLiteral("node %1 is not hosted here").arg(sender));
    Transaction tx;
    tx.kind = TxKind::Governance;
    tx.chainId = governanceChain();
    tx.sender = sender;
    tx.timestampMs = m_loop->nowMs();
    tx.nonce = ++m_nonces[sender];
    tx.payload = payload.encode();
    tx.sign(n->key());
    return submit(tx);
}

Result<crypto::Hash256> Engine::requestJoin(const roster::NodeInfo &requested)
{
    if (requested.id.isEmpty() || m_directory.find(requested.id))
        return Error{QStringLiteral("engine.join_id"), QStringLiteral("node id '%1' is empty or already taken").arg(requested.id)};
    roster::NodeInfo info = requested;
    info.state = roster::MembershipState::Pending;
    consensus::Directory::Entry e;
    e.info = info;
    e.key = seededKey(m_scenario.seed, info.id);
    e.publicKey = e.key.publicKey();
    m_directory.add(e);
    m_nodes.emplace(info.id, std::make_unique<consensus::Node>(info.id, e.key, *m_loop, *m_network));
    persistNode(info.id);

    ledger::GovernancePayload p;
    p.action = ledger::GovernancePayload::Action::JoinRequest;
    p.subject = info.id;
    p.data = consensus::Governance::joinData(e.publicKey, info);
    p.reason = QStringLiteral("join request");
    Transaction tx;
    tx.kind = TxKind::Governance;
    tx.chainId = governanceChain();
    tx.sender = info.id;
    tx.timestampMs = m_loop->nowMs();
    tx.nonce = ++m_nonces[info.id];
    tx.payload = p.encode();
    tx.sign(e.key);
    if (Status s = submit(tx); !s.ok())
        return s.error();
    return tx.id();
}

Result<crypto::Hash256> Engine::propose(const NodeId &proposer, ledger::GovernancePayload::Action action,
                                        const NodeId &subject, const QString &reason)
{
    using Action = ledger::GovernancePayload::Action;
    if (action != Action::Kick && action != Action::Suspend && action != Action::Unsuspend)
        return Error{QStringLiteral("engine.proposal"), QStringLiteral("only kick, suspend and unsuspend are proposed this way")};
    if (!m_directory.find(subject))
        return Error{QStringLiteral("engine.unknown_node"), QStringLiteral("there is no node %1").arg(subject)};
    consensus::Node *n = node(proposer);
    if (!n)
        return Error{QStringLiteral("engine.unknown_node"), QStringLiteral("node %1 is not hosted here").arg(proposer)};
    ledger::GovernancePayload p;
    p.action = action;
    p.subject = subject;
    p.reason = reason;
    Transaction tx;
    tx.kind = TxKind::Governance;
    tx.chainId = governanceChain();
    tx.sender = proposer;
    tx.timestampMs = m_loop->nowMs();
    tx.nonce = ++m_nonces[proposer];
    tx.payload = p.encode();
    tx.sign(n->key());
    if (Status s = submit(tx); !s.ok())
        return s.error();
    return tx.id();
}

Status Engine::vote(const NodeId &voter, const crypto::Hash256 &proposal, bool approve)
{
    const consensus::Governance::Proposal *p = m_governance->proposal(proposal);
    if (!p)
        return Status::fail(QStringLiteral("engine.unknown_proposal"), QStringLiteral("there is no proposal %1").arg(proposal.shortHex()));
    ledger::GovernancePayload v;
    v.action = ledger::GovernancePayload::Action::Vote;
    v.subject = p->subject;
    v.proposalId = proposal;
    v.data = consensus::Governance::voteData(approve);
    return submitGovernance(voter, v);
}

void Engine::onProposalOpened(const consensus::Governance::Proposal &p)
{
    if (!m_scenario.autoApproveGovernance || m_replaying)
        return;
    for (const NodeId &m : m_governance->voters(p)) {
        consensus::Node *n = node(m);
        if (n && !n->isDown())
            (void)vote(m, p.id, true);
    }
}

void Engine::onProposalDecided(const consensus::Governance::Proposal &p)
{
    using Action = ledger::GovernancePayload::Action;
    const bool approved = p.stage == consensus::Governance::Stage::Approved;
    m_metrics.evidence.append(QStringLiteral("governance: %1 of %2 %3")
                                  .arg(p.action == Action::JoinRequest ? QStringLiteral("join") : p.action == Action::Kick ? QStringLiteral("kick")
                                           : p.action == Action::Suspend ? QStringLiteral("suspension") : QStringLiteral("unsuspension"),
                                       p.subject, approved ? QStringLiteral("approved") : QStringLiteral("rejected")));
    if (!approved) {
        if (p.action == Action::JoinRequest)
            m_directory.setState(p.subject, roster::MembershipState::Evicted); // refused for good
        persistNode(p.subject);
        return;
    }
    consensus::ChainContext *ctx = chain(p.targetChain);
    if (p.action == Action::JoinRequest) {
        consensus::Directory::Entry *e = m_directory.find(p.subject);
        if (!e || !ctx)
            return;
        if (!node(p.subject)) { // replayed after a restart: host it again
            e->key = seededKey(m_scenario.seed, p.subject);
            if (e->key.publicKey() == e->publicKey)
                m_nodes.emplace(p.subject, std::make_unique<consensus::Node>(p.subject, e->key, *m_loop, *m_network));
            else
                e->key = {};
        }
        e->info.state = roster::MembershipState::Active;
        e->chainId = p.targetChain;
        m_directory.touch();
        QList<NodeId> members = ctx->members();
        members.append(p.subject);
        ctx->setMembers(members);
        if (consensus::Node *n = node(p.subject); n && m_started)
            n->join(*ctx);
    } else if (p.action == Action::Kick) {
        if (ctx) {
            QList<NodeId> members = ctx->members();
            members.removeAll(p.subject);
            ctx->setMembers(members);
        }
        if (consensus::Node *n = node(p.subject))
            n->leave(p.targetChain);
        reelectWithout(p.targetChain, p.subject);
    } else if (p.action == Action::Suspend) {
        reelectWithout(p.targetChain, p.subject);
    }
    persistNode(p.subject);
}

void Engine::reelectWithout(ChainId id, const NodeId &gone)
{
    // A biller that is suspended or evicted must be replaced now, not at the next timeout.
    consensus::ChainContext *ctx = chain(id);
    if (!ctx || ctx->biller() != gone)
        return;
    for (const NodeId &m : ctx->members())
        if (consensus::Node *n = node(m))
            if (consensus::ChainMember *member = n->member(id))
                member->startElection(member->round() + 1);
}

ChainId Engine::placeJoiner(const roster::NodeInfo &info) const
{
    QList<roster::NodeInfo> nodes;
    QList<QList<int>> groups;
    for (const auto &[id, ctx] : m_chains) {
        if (ctx->isParent())
            continue;
        QList<int> group;
        for (const NodeId &m : ctx->members()) {
            group.append(int(nodes.size()));
            nodes.append(m_directory.find(m)->info);
        }
        groups.append(group);
    }
    const int index = roster::nearestGroupWithRoom(info, nodes, groups, m_scenario.governance.maxSubChainSize);
    return index < 0 ? 0 : ChainId(index + 1);
}

store::NodeRecord Engine::nodeRecord(const NodeId &id) const
{
    const consensus::Directory::Entry *e = m_directory.find(id);
    store::NodeRecord r;
    r.id = id;
    r.name = e->info.name;
    r.publicKey = e->publicKey;
    r.roles = e->regulator ? QStringLiteral("regulator") : roster::rolesToString(e->info.roles);
    r.state = roster::membershipStateName(e->info.state);
    r.chainId = e->chainId;
    r.attributes = roster::encodeAttributes(e->info);
    return r;
}

void Engine::persistNode(const NodeId &id)
{
    if (!m_store || !m_directory.find(id))
        return;
    if (Status s = m_store->putNode(nodeRecord(id)); !s.ok())
        qCWarning(lcEngine) << "could not persist node" << id << s.errorString();
}

const market::MarketState *Engine::market(ChainId id) const
{
    consensus::ChainContext *ctx = chain(id);
    if (!ctx || ctx->isParent())
        return nullptr;
    return &static_cast<SubChainRules &>(ctx->rules()).market();
}

market::MarketTotals Engine::marketTotals() const
{
    market::MarketTotals sum;
    for (const auto &[id, ctx] : m_chains) {
        const market::MarketState *m = market(id);
        if (!m)
            continue;
        const market::MarketTotals &t = m->totals();
        sum.orders += t.orders;
        sum.cancels += t.cancels;
        sum.trades += t.trades;
        sum.halted += t.halted;
        sum.energyTradedWh += t.energyTradedWh;
        sum.valueTradedMilli += t.valueTradedMilli;
        sum.defaults += t.defaults;
        sum.penaltiesMilli += t.penaltiesMilli;
        sum.gridImportWh += t.gridImportWh;
        sum.gridExportWh += t.gridExportWh;
        sum.settledSlots += t.settledSlots;
        sum.meterReadings += t.meterReadings;
    }
    return sum;
}

QList<ChainId> Engine::chainIds() const
{
    QList<ChainId> ids;
    for (const auto &[id, ctx] : m_chains)
        ids.append(id);
    return ids;
}

consensus::ChainContext *Engine::chain(ChainId id) const
{
    auto it = m_chains.find(id);
    return it == m_chains.end() ? nullptr : it->second.get();
}

consensus::Node *Engine::node(const NodeId &id) const
{
    auto it = m_nodes.find(id);
    return it == m_nodes.end() ? nullptr : it->second.get();
}

QList<NodeId> Engine::nodeIds() const
{
    return m_directory.ids();
}

ChainId Engine::chainOf(const NodeId &id) const
{
    const consensus::Directory::Entry *e = m_directory.find(id);
    return e ? e->chainId : 0;
}

QList<ChainStatus> Engine::status() const
{
    QList<ChainStatus> list;
    for (const auto &[id, ctx] : m_chains) {
        ChainStatus s;
        s.id = id;
        s.isParent = ctx->isParent();
        s.blocks = ctx->hasBlocks() ? ctx->tip().height + 1 : 0;
        s.transactions = ctx->finalTransactions();
        s.biller = ctx->biller();
        s.billerScoreMicro = s.biller.isEmpty() ? 0 : m_directory.scoreMicro(s.biller);
        s.members = int(ctx->members().size());
        s.activeMembers = int(ctx->activeMembers().size());
        s.elections = ctx->elections();
        auto bc = m_billerChanges.find(id);
        s.billerChanges = bc == m_billerChanges.end() ? 0 : bc->second;
        if (consensus::Node *b = node(s.biller))
            if (consensus::ChainMember *m = b->member(id))
                s.billerMempool = m->mempoolSize();
        list.append(s);
    }
    return list;
}

void Engine::crash(const NodeId &id, bool down)
{
    if (consensus::Node *n = node(id)) {
        n->setDown(down);
        m_network->setDown(id, down);
    }
}

void Engine::setFault(const NodeId &id, consensus::Fault fault)
{
    if (consensus::Node *n = node(id))
        n->setFault(fault);
}

} // namespace mg::engine
