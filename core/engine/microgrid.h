#pragma once

#include "core/consensus/chain_member.h"
#include "core/engine/engine.h"

#include <QObject>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace mg::engine {

// An immutable picture of the running microgrid for the UI and CLI. Published by the engine
// thread a few times per second; readers keep the shared_ptr as long as they like.
struct Snapshot
{
    struct NodeStatus
    {
        NodeId id;
        QString name;
        ChainId chainId = 0;
        roster::MembershipState state = roster::MembershipState::Active;
        qint64 scoreMicro = 0;
        bool isBiller = false;
        bool down = false;
        consensus::Fault fault = consensus::Fault::None;
        int mempool = 0;
        std::optional<double> lat;
        std::optional<double> lon;
    };
    struct BlockSummary
    {
        ChainId chainId = 0;
        quint64 height = 0;
        crypto::Hash256 hash;
        NodeId biller;
        int txCount = 0;
        int acks = 0;
        qint64 timestampMs = 0;
    };

    quint64 sequence = 0;
    bool running = false;
    bool paused = false;
    Topology topology = Topology::Double;
    net::ClockMode clock = net::ClockMode::Virtual;
    qint64 nowMs = 0;
    double speed = 1.0;
    QList<ChainStatus> chains;
    QList<NodeStatus> nodes;
    QList<BlockSummary> recentBlocks; // newest last, bounded
    quint64 ordersSubmitted = 0;
    quint64 blocksFinal = 0;
    quint64 transactionsFinal = 0;
    double consensusP50Ms = 0, consensusP99Ms = 0;
    double finalP50Ms = 0, finalP99Ms = 0;
    double anchorP50Ms = 0, anchorP99Ms = 0;
    quint64 messagesSent = 0, messagesDropped = 0;
    QStringList evidence;

    // Market totals over all sub-chains (cumulative since start).
    struct Totals
    {
        quint64 orders = 0;          // orders final on the sub-chains
        quint64 trades = 0;
        qint64 energyTradedWh = 0;
        double meanPriceMilliPerKwh = 0;
        quint64 defaults = 0;
        quint64 settledSlots = 0;
        qint64 gridImportWh = 0;
        qint64 gridExportWh = 0;
        qint64 generatedWh = 0;      // metered generation over the settled slots
        qint64 consumedWh = 0;       // metered consumption over the settled slots
        bool conservationOk = true;  // every sub-chain's balances sum to the grid's net payments
    };
    Totals totals;

    // One sub-chain's market over one publish interval.
    struct ChainSample
    {
        ChainId chainId = 0;
        double meanPriceMilliPerKwh = 0; // 0 when nothing traded in the interval
        qint64 volumeWh = 0;             // traded in the interval
    };
    // Rates over one publish interval, per simulated second (per wall second on the real clock).
    struct Sample
    {
        qint64 nowMs = 0;           // engine clock at the end of the interval
        double ordersPerSec = 0;    // submitted transactions
        double tradesPerSec = 0;
        double blocksPerSec = 0;    // final blocks, all chains
        double consensusP50Ms = 0;  // cumulative p50 at that time
        double finalP50Ms = 0;      // order -> final, cumulative p50 at that time
        qint64 gridImportWh = 0;    // cumulative
        qint64 gridExportWh = 0;    // cumulative
        qint64 generatedWh = 0;     // cumulative
        qint64 consumedWh = 0;      // cumulative
        QList<ChainSample> chains;  // sub-chains, ascending id
    };
    static constexpr int HistorySize = 300; // ~1 min at 5 snapshots/s
    QList<Sample> history;                  // oldest first; the last one is the latest interval
};

// The facade the console and scripts use: hosts an Engine on its own thread. Every command is
// queued to that thread and returns at once; state comes back as snapshots and the
// snapshotChanged() signal (at most a few per second), so the caller's thread never blocks.
class Microgrid : public QObject
{
    Q_OBJECT

public:
    explicit Microgrid(QObject *parent = nullptr);
    ~Microgrid() override;

    // Builds the scenario on the engine thread and runs it. For the virtual clock, `speed` is
    // simulated seconds per wall-clock second. Emits started() or failed(error).
    void start(const Scenario &scenario, double speed = 1.0);
    void stop();
    bool isRunning() const { return m_running.load(); }

    void setPaused(bool paused);
    void setSpeed(double speed);

    // Commands; refusals and failures come back through commandFailed().
    void submit(const ledger::Transaction &tx);
    void crash(const NodeId &node, bool down);
    void setFault(const NodeId &node, consensus::Fault fault);
    void partition(const QList<QList<NodeId>> &parts);
    void heal();
    void setLinkConditions(const net::LinkConditions &conditions);
    // Runs fn on the engine thread with the engine (for CLI tools and tests; keep it short).
    void post(std::function<void(Engine &)> fn);

    std::shared_ptr<const Snapshot> snapshot() const;

Q_SIGNALS:
    void started();
    void failed(const mg::Error &error);
    void stopped();
    void snapshotChanged();
    void commandFailed(const mg::Error &error);

private:
    void threadMain(Scenario scenario);
    void publish(Engine &engine);
    void addMarketAndHistory(Engine &engine, Snapshot &s);

    std::thread m_thread;
    std::atomic_bool m_running{false};
    std::atomic_bool m_stopRequested{false};
    std::atomic_bool m_paused{false};
    std::atomic<double> m_speed{1.0};
    net::EventLoop *m_loop = nullptr; // valid while running; guarded by m_mutex
    Engine *m_engine = nullptr;        // likewise
    mutable std::mutex m_mutex;
    std::shared_ptr<const Snapshot> m_snapshot;
    quint64 m_sequence = 0;
    QList<Snapshot::BlockSummary> m_recent;
    // Engine-thread state for the rates: the previous publish's counters.
    struct Previous
    {
        bool valid = false;
        qint64 nowMs = 0;
        quint64 submitted = 0, trades = 0, blocks = 0;
        std::map<ChainId, std::pair<qint64, qint64>> chainTraded; // chain -> (Wh, value milli)
    };
    Previous m_previous;
    QList<Snapshot::Sample> m_history;
};

} // namespace mg::engine
