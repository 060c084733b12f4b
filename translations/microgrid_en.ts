<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>main</name>
    <message>
        <source>Operator console for peer-to-peer microgrid energy trading.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the built-in demo microgrid (100 nodes, 10 sub-chains).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data directory (default: the last one used, or the demo&apos;s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Roster CSV to run instead of the demo roster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Render the window to a PNG after the microgrid has run a while, then exit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>With --screenshot: the page to show (dashboard, chains, nodes).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>With --screenshot: the user to log in as (default admin; password from MG_PASSWORD).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::BillerScoreChart</name>
    <message>
        <source>DBSCA scores per sub-chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Biller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Best other member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::BillerScoreModel</name>
    <message>
        <source>Sub-chain %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(electing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Biller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Biller score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Best other score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active members</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::ChainTableModel</name>
    <message>
        <source>Parent chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>—</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(electing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Height</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transactions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Biller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DBSCA score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Elections</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::DashboardPage</name>
    <message>
        <source>Pending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Evicted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Orders/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trades/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Final blocks/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consensus p50 / p99</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order to final p50 / p99</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chain heights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid import / export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settlement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>—</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency (p50 since start)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consensus</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order to final</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mean trade price per interval</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>milli per kWh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traded volume per interval</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>kWh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Energy over settled slots</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>kWh (cumulative)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consumption</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DBSCA score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Biller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mempool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click a node on the map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 / %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>parent %1, sub %2–%3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 / %2 kWh</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n trade(s), %1 kWh</source>
        <translation>
            <numerusform>%n trade, %1 kWh</numerusform>
            <numerusform>%n trades, %1 kWh</numerusform>
        </translation>
    </message>
    <message>
        <source>Orders final: %1
Mean price: %2 milli/kWh</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n slot(s), %1 default(s), %2</source>
        <translation>
            <numerusform>%n slot, %1 default(s), %2</numerusform>
            <numerusform>%n slots, %1 default(s), %2</numerusform>
        </translation>
    </message>
    <message>
        <source>balanced</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>IMBALANCE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none (parent chain)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, faulty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::FirstStartDialog</name>
    <message>
        <source>First start</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>The data directory %1 has no users yet. Choose the password of the administrator &quot;admin&quot; (at least %n characters).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The demo users admin, operator, prosumer and regulator were created in %1. They share this password; it is shown only now, so write it down:</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>The password needs at least %n characters.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::HistoryChart</name>
    <message>
        <source>Simulated time (s)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::LoginDialog</name>
    <message>
        <source>Log in — Microgrid Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data directory:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the data directory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening the data directory…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data directory cannot be opened: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data directory has no users yet; choose an administrator password to start using it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the demo microgrid and its users…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the microgrid and its administrator…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data directory could not be prepared: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your password is right, but the key of a node bound to your account cannot be unlocked. Ask an administrator to reset your password. (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logging in failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account is unlocked again; you can try once more.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>This account is locked after too many failed logins. Try again in %n s.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mg::ui::MainWindow</name>
    <message>
        <source>Microgrid Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Microgrid running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 nodes · %2 blocks final · %3 transactions final · consensus p50 %4 ms · order to final p50 %5 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chains</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the first blocks…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Microgrid</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The microgrid could not start: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Switch user…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Takes effect at the next start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Microgrid Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Microgrid Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Microgrid Console %1

Operator console for peer-to-peer electricity trading in a microgrid over a double-layer blockchain: sub-chains of nearby nodes, their billers forming the parent chain.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not logged in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Real clock: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Virtual clock: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (paused)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logged in as %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The language changes at the next start of the console.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::MapLegend</name>
    <message>
        <source>Member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Biller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suspended or evicted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Faulty</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::MetricsHistoryModel</name>
    <message>
        <source>Time (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Orders/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trades/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Final blocks/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consensus p50 (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Order to final p50 (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid import (kWh)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grid export (kWh)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generation (kWh)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consumption (kWh)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain %1 price (milli/kWh)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain %1 volume (kWh)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::NetworkMapView</name>
    <message>
        <source>Sub-chain %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parent</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::NodeTableModel</name>
    <message>
        <source>Parent chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sub-chain %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Evicted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Biller</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Score</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role in chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mempool</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>mg::ui::SessionModel</name>
    <message>
        <source>Administrator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prosumer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Regulator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, </source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
