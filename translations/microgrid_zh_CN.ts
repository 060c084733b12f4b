<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>main</name>
    <message>
        <source>Operator console for peer-to-peer microgrid energy trading.</source>
        <translation>点对点微电网能源交易的操作控制台。</translation>
    </message>
    <message>
        <source>Run the built-in demo microgrid (100 nodes, 10 sub-chains).</source>
        <translation>运行内置的演示微电网（100 个节点，10 条子链）。</translation>
    </message>
    <message>
        <source>Data directory (default: the last one used, or the demo&apos;s).</source>
        <translation>数据目录（默认：上次使用的目录，或演示数据目录）。</translation>
    </message>
    <message>
        <source>Roster CSV to run instead of the demo roster.</source>
        <translation>用于替代演示名册运行的名册 CSV 文件。</translation>
    </message>
    <message>
        <source>Render the window to a PNG after the microgrid has run a while, then exit.</source>
        <translation>微电网运行一段时间后将窗口渲染为 PNG 图片，然后退出。</translation>
    </message>
</context>
<context>
    <name>mg::ui::ChainTableModel</name>
    <message>
        <source>Parent chain</source>
        <translation>父链</translation>
    </message>
    <message>
        <source>Sub-chain %1</source>
        <translation>子链 %1</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>(electing)</source>
        <translation>（选举中）</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>Chain</source>
        <translation>链</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>高度</translation>
    </message>
    <message>
        <source>Transactions</source>
        <translation>交易数</translation>
    </message>
    <message>
        <source>Biller</source>
        <translation>记账节点</translation>
    </message>
    <message>
        <source>DBSCA score</source>
        <translation>DBSCA 评分</translation>
    </message>
    <message>
        <source>Active members</source>
        <translation>活跃成员</translation>
    </message>
    <message>
        <source>Elections</source>
        <translation>选举次数</translation>
    </message>
</context>
<context>
    <name>mg::ui::MainWindow</name>
    <message>
        <source>Microgrid Console</source>
        <translation>微电网控制台</translation>
    </message>
    <message>
        <source>Starting the microgrid…</source>
        <translation>正在启动微电网…</translation>
    </message>
    <message>
        <source>Microgrid running</source>
        <translation>微电网运行中</translation>
    </message>
    <message>
        <source>In memory</source>
        <translation>内存中</translation>
    </message>
    <message>
        <source>Data: %1</source>
        <translation>数据：%1</translation>
    </message>
    <message>
        <source>%1 nodes · %2 blocks final · %3 transactions final · consensus p50 %4 ms · order to final p50 %5 ms</source>
        <translation>%1 个节点 · 已最终确认 %2 个区块 · 已最终确认 %3 笔交易 · 共识 p50 %4 毫秒 · 订单至最终确认 p50 %5 毫秒</translation>
    </message>
</context>
</TS>
