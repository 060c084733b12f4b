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
    <name>mg::ui::MainWindow</name>
    <message>
        <source>Microgrid Console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting the microgrid…</source>
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
</context>
</TS>
