#include "core/engine/microgrid.h"

#include <QMetaObject>

#include <chrono>

namespace mg::engine {

namespace {
constexpr auto PublishEvery = std::chrono::milliseconds(200);
constexpr int RecentBlocks = 200;
} // namespace

Microgrid::Microgrid(QObject *parent)
    : QObject(parent)
    , m_snapshot(std::make_shared<Snapshot>())
{
    qRegisterMetaType<mg::Error>("mg::Error");
}

Microgrid::~Microgrid()
{
    stop();
}

void Microgrid::start(const Scenario &scenario, double speed)
{
    stop();
    m_speed = speed;
    m_paused = false;
    m_stopRequested = false;
    m_running = true;
    m_thread = std::thread([this, scenario] { threadMain(scenario); });
}

void Microgrid::stop()
{
    if (!m_thread.joinable())
        return;
    m_stopRequested = true;
    {
        std::lock_guard lock(m_mutex);
        if (m_loop)
            m_loop->stop();
    }
    m_thread.join();
}

void Microgrid::setPaused(bool paused)
{
    m_paused = paused;
}

void Microgrid::setSpeed(double speed)
{
    m_speed = std::max(0.01, speed);
}

void Microgrid::post(std::function<void(Engine &)> fn)
{
    std::lock_guard lock(m_mutex);
    if (!m_loop || !m_engine) {
        QMetaObject::invokeMethod(this, [this] {
            Q_EMIT commandFailed(Error{QStringLiteral("engine.not_running"), QStringLiteral("the microgrid is not running")});
        }, Qt::QueuedConnection);
        return;
    }
    Engine *engine = m_engine;
    m_loop->post([engine, fn = std::move(fn)] { fn(*engine); });
}

void Microgrid::submit(const ledger::Transaction &tx)
{
    post([this, tx](Engine &e) {
        if (Status s = e.submit(tx); !s.ok()) {
            const Error err = s.error();
            QMetaObject::invokeMethod(this, [this, err] { Q_EMIT commandFailed(err); }, Qt::QueuedConnection);
        }
    });
}

void Microgrid::crash(const NodeId &node, bool down)
{
    post([node, down](Engine &e) { e.crash(node, down); });
}

void Microgrid::setFault(const NodeId &node, consensus::Fault fault)
{
    post([node, fault](Engine &e) { e.setFault(node, fault); });
}

void Microgrid::partition(const QList<QList<NodeId>> &parts)
{
    post([parts](Engine &e) { e.network().partition(parts); });
}

void Microgrid::heal()
{
    post([](Engine &e) { e.network().heal(); });
}

void Microgrid::setLinkConditions(const net::LinkConditions &conditions)
{
    post([conditions](Engine &e) { e.network().setConditions(conditions); });
}

std::shared_ptr<const Snapshot> Microgrid::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return m_snapshot;
}

void Microgrid::threadMain(Scenario scenario)
{
    auto created = Engine::create(scenario);
    if (!created.ok()) {
        m_running = false;
        const Error err = created.error();
        QMetaObject::invokeMethod(this, [this, err] { Q_EMIT failed(err); }, Qt::QueuedConnection);
        return;
    }
    std::unique_ptr<Engine> engine = std::move(created).value();
    {
        std::lock_guard lock(m_mutex);
        m_loop = &engine->loop();
        m_engine = engine.get();
    }
    m_recent.clear();
    m_previous = Previous{};
    m_history.clear();
    for (ChainId id : engine->chainIds()) {
        consensus::ChainContext *ctx = engine->chain(id);
        auto previous = ctx->onFinal;
        ctx->onFinal = [this, previous](const ledger::Block &block) {
            if (previous)
                previous(block);
            Snapshot::BlockSummary b;
            b.chainId = block.header.chainId;
            b.height = block.header.height;
            b.hash = block.header.hash();
            b.biller = block.header.billerId;
            b.txCount = int(block.txs.size());
            b.acks = int(block.header.acks.size());
            b.timestampMs = block.header.timestampMs;
            m_recent.append(b);
            if (m_recent.size() > RecentBlocks)
                m_recent.remove(0, m_recent.size() - RecentBlocks);
        };
    }
    engine->start();
    QMetaObject::invokeMethod(this, [this] { Q_EMIT started(); }, Qt::QueuedConnection);

    using Clock = std::chrono::steady_clock;
    const auto step = std::chrono::duration_cast<std::chrono::microseconds>(PublishEvery).count();
    while (!m_stopRequested) {
        const auto t0 = Clock::now();
        if (m_paused) {
            engine->loop().runFor(0); // still serve posted commands
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else if (scenario.clock == net::ClockMode::Virtual) {
            // One publish interval of wall time advances speed x that much simulated time, in
            // small chunks: when the engine cannot keep up it falls behind the requested speed,
            // but commands and snapshots still come every interval.
            const auto sliceEnd = t0 + PublishEvery;
            const net::TimeUs target = net::TimeUs(double(step) * m_speed.load());
            const net::TimeUs chunk = std::max<net::TimeUs>(net::UsPerMs, target / 50);
            net::TimeUs advanced = 0;
            while (!m_stopRequested && !m_paused && advanced < target && Clock::now() < sliceEnd) {
                const net::TimeUs run = std::min(chunk, target - advanced);
                if (!engine->loop().runFor(run))
                    break;
                advanced += run;
            }
            if (advanced >= target && !m_stopRequested)
                std::this_thread::sleep_until(sliceEnd);
        } else {
            engine->loop().runFor(step);
        }
        publish(*engine);
    }
    {
        std::lock_guard lock(m_mutex);
        m_loop = nullptr;
        m_engine = nullptr;
    }
    engine.reset();
    m_running = false;
    QMetaObject::invokeMethod(this, [this] { Q_EMIT stopped(); }, Qt::QueuedConnection);
}

void Microgrid::publish(Engine &engine)
{
    auto s = std::make_shared<Snapshot>();
    s->sequence = ++m_sequence;
    s->running = true;
    s->paused = m_paused;
    s->topology = engine.scenario().topology;
    s->clock = engine.scenario().clock;
    s->nowMs = engine.loop().nowMs();
    s->speed = m_speed;
    s->chains = engine.status();
    for (const ChainStatus &c : s->chains) {
        s->blocksFinal += c.blocks;
        s->transactionsFinal += c.transactions;
    }
    for (const NodeId &id : engine.nodeIds()) {
        const consensus::Directory::Entry *e = engine.directory().find(id);
        consensus::Node *n = engine.node(id);
        Snapshot::NodeStatus ns;
        ns.id = id;
        ns.name = e->info.name;
        ns.chainId = e->chainId;
        ns.state = e->info.state;
        ns.scoreMicro = engine.directory().scoreMicro(id);
        ns.down = n && n->isDown();
        ns.lat = e->info.lat;
        ns.lon = e->info.lon;
        if (consensus::ChainContext *ctx = engine.chain(e->chainId))
            ns.isBiller = ctx->biller() == id;
        if (n)
            if (consensus::ChainMember *m = n->member(e->chainId)) {
                ns.mempool = m->mempoolSize();
                ns.fault = m->fault();
            }
        s->nodes.append(ns);
    }
    s->recentBlocks = m_recent;
    const EngineMetrics &m = engine.metrics();
    s->ordersSubmitted = m.submitted;
    s->consensusP50Ms = m.consensus.percentileMs(50);
    s->consensusP99Ms = m.consensus.percentileMs(99);
    s->finalP50Ms = m.finality.percentileMs(50);
    s->finalP99Ms = m.finality.percentileMs(99);
    s->anchorP50Ms = m.anchoring.percentileMs(50);
    s->anchorP99Ms = m.anchoring.percentileMs(99);
    s->messagesSent = engine.network().stats().sent;
    s->messagesDropped = engine.network().stats().dropped;
    s->evidence = m.evidence.mid(std::max<qsizetype>(0, m.evidence.size() - 50));
    addMarketAndHistory(engine, *s);
    {
        std::lock_guard lock(m_mutex);
        m_snapshot = std::move(s);
    }
    QMetaObject::invokeMethod(this, [this] { Q_EMIT snapshotChanged(); }, Qt::QueuedConnection);
}

void Microgrid::addMarketAndHistory(Engine &engine, Snapshot &s)
{
    // Totals and per-chain traded amounts: a few additions per sub-chain, plus one pass over
    // each sub-chain's accounts for the conservation check.
    Snapshot::Totals &t = s.totals;
    qint64 valueMilli = 0;
    Snapshot::Sample sample;
    sample.nowMs = s.nowMs;
    std::map<ChainId, std::pair<qint64, qint64>> chainTraded;
    for (ChainId id : engine.chainIds()) {
        const market::MarketState *ms = engine.market(id);
        if (!ms)
            continue;
        const market::MarketTotals &mt = ms->totals();
        t.orders += mt.orders;
        t.trades += mt.trades;
        t.energyTradedWh += mt.energyTradedWh;
        valueMilli += mt.valueTradedMilli;
        t.defaults += mt.defaults;
        t.settledSlots += mt.settledSlots;
        t.gridImportWh += mt.gridImportWh;
        t.gridExportWh += mt.gridExportWh;
        t.generatedWh += mt.generatedWh;
        t.consumedWh += mt.consumedWh;
        const market::Accounts &acc = ms->accounts();
        if (acc.total() != acc.gridPaidMilli() - acc.gridReceivedMilli())
            t.conservationOk = false;
        chainTraded[id] = {mt.energyTradedWh, mt.valueTradedMilli};
        Snapshot::ChainSample cs;
        cs.chainId = id;
        if (m_previous.valid) {
            const auto prev = m_previous.chainTraded.find(id);
            const qint64 wh = mt.energyTradedWh - (prev != m_previous.chainTraded.end() ? prev->second.first : 0);
            const qint64 value = mt.valueTradedMilli - (prev != m_previous.chainTraded.end() ? prev->second.second : 0);
            cs.volumeWh = wh;
            cs.meanPriceMilliPerKwh = wh > 0 ? double(value) * 1000.0 / double(wh) : 0.0;
        }
        sample.chains.append(cs);
    }
    t.meanPriceMilliPerKwh = t.energyTradedWh ? double(valueMilli) * 1000.0 / double(t.energyTradedWh) : 0.0;

    const qint64 dtMs = s.nowMs - m_previous.nowMs;
    if (m_previous.valid && dtMs > 0) { // paused: no new sample
        const double secs = double(dtMs) / 1000.0;
        sample.ordersPerSec = double(s.ordersSubmitted - m_previous.submitted) / secs;
        sample.tradesPerSec = double(t.trades - m_previous.trades) / secs;
        sample.blocksPerSec = double(s.blocksFinal - m_previous.blocks) / secs;
        sample.consensusP50Ms = s.consensusP50Ms;
        sample.finalP50Ms = s.finalP50Ms;
        sample.gridImportWh = t.gridImportWh;
        sample.gridExportWh = t.gridExportWh;
        sample.generatedWh = t.generatedWh;
        sample.consumedWh = t.consumedWh;
        m_history.append(sample);
        if (m_history.size() > Snapshot::HistorySize)
            m_history.remove(0, m_history.size() - Snapshot::HistorySize);
    }
    if (!m_previous.valid || dtMs > 0) {
        m_previous.valid = true;
        m_previous.nowMs = s.nowMs;
        m_previous.submitted = s.ordersSubmitted;
        m_previous.trades = t.trades;
        m_previous.blocks = s.blocksFinal;
        m_previous.chainTraded = std::move(chainTraded);
    }
    s.history = m_history;
}

} // namespace mg::engine
