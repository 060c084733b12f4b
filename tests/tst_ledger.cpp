#include "core/crypto/keys.h"
#include "core/ledger/block.h"
#include "core/ledger/encoding.h"
#include "core/ledger/merkle.h"
#include "core/ledger/payloads.h"

#include <QRandomGenerator>
#include <QTest>

#include <functional>

using namespace mg;
using namespace mg::ledger;

namespace {

crypto::KeyPair seededKey(char seed)
{
    auto key = crypto::KeyPair::fromPrivateKey(QByteArray(32, seed));
    Q_ASSERT(key.ok());
    return key.value();
}

crypto::Hash256 hashOf(const char *text)
{
    return crypto::sha256(QByteArray(text));
}

// Realistic typed payloads, one per kind.
OrderPayload sampleOrder()
{
    OrderPayload p;
    p.side = Side::Sell;
    p.energyWh = 2500;
    p.priceMilliPerKwh = 185000;
    p.renewableOnly = false;
    p.deliverySlot = 1888888;
    p.expiresAtMs = 1700000900000;
    p.acceptsOrderId = crypto::sha256(QByteArrayView("a demand"));
    return p;
}

CancelPayload sampleCancel()
{
    return CancelPayload{hashOf("order-1")};
}

TradePayload sampleTrade()
{
    TradePayload p;
    p.buyOrderId = hashOf("buy-1");
    p.sellOrderId = hashOf("sell-1");
    p.buyer = QStringLiteral("house-07");
    p.seller = QStringLiteral("solar-02");
    p.energyWh = 1200;
    p.priceMilliPerKwh = 172500;
    p.deliverySlot = 1888889;
    p.penaltyMilliPerKwh = 50000;
    p.buyOrderSignature = QByteArray(64, '\x11');
    p.sellOrderSignature = QByteArray(64, '\x22');
    p.status = TradePayload::Status::Halted;
    p.haltReason = 3;
    return p;
}

SettlementPayload sampleSettlement()
{
    SettlementPayload p;
    p.deliverySlot = 1888889;
    p.transfers = {
        {QStringLiteral("house-07"), QStringLiteral("solar-02"), 207000, 1200, Transfer::Reason::Delivery, hashOf("trade-1")},
        {QStringLiteral("solar-02"), QStringLiteral("house-07"), 10000, 200, Transfer::Reason::Penalty, hashOf("trade-1")},
        {QStringLiteral("grid"), QStringLiteral("house-07"), 50000, 200, Transfer::Reason::GridImport, {}},
        {QStringLiteral("wind-01"), QStringLiteral("grid"), 8000, 100, Transfer::Reason::GridExport, {}},
    };
    return p;
}

GovernancePayload sampleGovernance()
{
    GovernancePayload p;
    p.action = GovernancePayload::Action::Vote;
    p.subject = QStringLiteral("newcomer-9");
    p.proposalId = hashOf("proposal-4");
    p.data = QByteArray("\x01", 1); // yes
    p.reason = QStringLiteral("距离最近的子链有空位");
    return p;
}

RegulatorActionPayload sampleRegulatorAction()
{
    RegulatorActionPayload p;
    p.action = RegulatorActionPayload::Action::Suspend;
    p.subject = QStringLiteral("rogue-3");
    p.target = hashOf("trade-77");
    p.reason = QStringLiteral("export limit exceeded three times");
    p.data = QByteArray();
    return p;
}

BillerChangePayload sampleBillerChange()
{
    BillerChangePayload p;
    p.chainId = 2;
    p.round = 41;
    p.previousBiller = QStringLiteral("solar-02");
    p.newBiller = QStringLiteral("wind-01");
    p.scoreMicro = 812345;
    const crypto::KeyPair a = seededKey(5), b = seededKey(6);
    p.confirmations = {{QStringLiteral("house-07"), a.sign(p.confirmationBytes())},
                       {QStringLiteral("solar-02"), b.sign(p.confirmationBytes())}};
    return p;
}

AckPayload sampleAck()
{
    AckPayload p;
    p.chainId = 2;
    p.height = 99;
    p.blockHash = hashOf("block-99");
    p.biller = QStringLiteral("wind-01");
    p.accept = false;
    p.reason = QStringLiteral("trade 3 violates price band");
    return p;
}

Transaction makeTx(TxKind kind, const QByteArray &payload, const QString &sender, const crypto::KeyPair &key,
                   quint64 nonce = 1, ChainId chain = 2)
{
    Transaction tx;
    tx.kind = kind;
    tx.chainId = chain;
    tx.sender = sender;
    tx.timestampMs = 1700000000000 + qint64(nonce);
    tx.nonce = nonce;
    tx.payload = payload;
    tx.sign(key);
    return tx;
}

Block sampleBlock()
{
    const crypto::KeyPair alice = seededKey(1), bob = seededKey(2), biller = seededKey(3);
    Block b;
    b.header.chainId = 2;
    b.header.height = 7;
    b.header.prevHash = hashOf("block-6");
    b.header.timestampMs = 1700000005000;
    b.header.billerId = QStringLiteral("wind-01");
    b.txs = {makeTx(TxKind::Order, sampleOrder().encode(), QStringLiteral("solar-02"), alice, 1),
             makeTx(TxKind::Cancel, sampleCancel().encode(), QStringLiteral("house-07"), bob, 2),
             makeTx(TxKind::Trade, sampleTrade().encode(), QStringLiteral("wind-01"), biller, 3)};
    b.seal();
    b.header.signAsBiller(biller);
    b.header.acks = {b.header.makeAck(QStringLiteral("solar-02"), alice),
                     b.header.makeAck(QStringLiteral("house-07"), bob)};
    return b;
}

MeterReadingPayload sampleMeterReading()
{
    return MeterReadingPayload{1967, 1250, 830};
}

AnchorPayload sampleAnchor()
{
    const Block b = sampleBlock();
    return AnchorPayload{b.header.encode(), b.encodeBody()};
}

// Decodes bytes and re-encodes what was decoded; nullopt when decoding fails.
using Reencoder = std::function<std::optional<QByteArray>(QByteArrayView)>;

template<typename T>
Reencoder reencoderFor()
{
    return [](QByteArrayView bytes) -> std::optional<QByteArray> {
        auto r = T::decode(bytes);
        if (!r)
            return std::nullopt;
        return r->encode();
    };
}

Reencoder bodyReencoder()
{
    return [](QByteArrayView bytes) -> std::optional<QByteArray> {
        auto r = Block::decodeBody(bytes);
        if (!r)
            return std::nullopt;
        Block b;
        b.txs = r.value();
        return b.encodeBody();
    };
}

struct Sample
{
    QString name;
    QByteArray encoded;
    Reencoder reencode;
    QString errorPrefix; // the decoder's context, which every error message starts with
    QByteArray signerKey = {}; // transactions: the sender's public key
};

QList<Sample> allSamples()
{
    const crypto::KeyPair key = seededKey(9);
    const QString sender = QStringLiteral("node-9");
    QList<Sample> s;
    auto tx = [&](TxKind kind, const QByteArray &payload, quint64 nonce) {
        s.append({QStringLiteral("tx ") + txKindName(kind), makeTx(kind, payload, sender, key, nonce).encode(),
                  reencoderFor<Transaction>(), QStringLiteral("transaction"), key.publicKey()});
    };
    tx(TxKind::Order, sampleOrder().encode(), 1);
    tx(TxKind::Cancel, sampleCancel().encode(), 2);
    tx(TxKind::Trade, sampleTrade().encode(), 3);
    tx(TxKind::Settlement, sampleSettlement().encode(), 4);
    tx(TxKind::Governance, sampleGovernance().encode(), 5);
    tx(TxKind::RegulatorAction, sampleRegulatorAction().encode(), 6);
    tx(TxKind::BillerChange, sampleBillerChange().encode(), 7);
    tx(TxKind::Ack, sampleAck().encode(), 8);
    tx(TxKind::Anchor, sampleAnchor().encode(), 9);
    tx(TxKind::MeterReading, sampleMeterReading().encode(), 10);

    s.append({QStringLiteral("order payload"), sampleOrder().encode(), reencoderFor<OrderPayload>(), QStringLiteral("order payload")});
    s.append({QStringLiteral("cancel payload"), sampleCancel().encode(), reencoderFor<CancelPayload>(), QStringLiteral("cancel payload")});
    s.append({QStringLiteral("trade payload"), sampleTrade().encode(), reencoderFor<TradePayload>(), QStringLiteral("trade payload")});
    s.append({QStringLiteral("settlement payload"), sampleSettlement().encode(), reencoderFor<SettlementPayload>(),
              QStringLiteral("settlement payload")});
    s.append({QStringLiteral("governance payload"), sampleGovernance().encode(), reencoderFor<GovernancePayload>(),
              QStringLiteral("governance payload")});
    s.append({QStringLiteral("regulator action payload"), sampleRegulatorAction().encode(),
              reencoderFor<RegulatorActionPayload>(), QStringLiteral("regulator action payload")});
    s.append({QStringLiteral("biller change payload"), sampleBillerChange().encode(), reencoderFor<BillerChangePayload>(),
              QStringLiteral("biller change payload")});
    s.append({QStringLiteral("ack payload"), sampleAck().encode(), reencoderFor<AckPayload>(), QStringLiteral("ack payload")});
    s.append({QStringLiteral("anchor payload"), sampleAnchor().encode(), reencoderFor<AnchorPayload>(),
              QStringLiteral("anchor payload")});
    s.append({QStringLiteral("meter reading payload"), sampleMeterReading().encode(), reencoderFor<MeterReadingPayload>(),
              QStringLiteral("meter reading payload")});

    const Block block = sampleBlock();
    s.append({QStringLiteral("block header"), block.header.encode(), reencoderFor<BlockHeader>(), QStringLiteral("block header")});
    s.append({QStringLiteral("block body"), block.encodeBody(), bodyReencoder(), QStringLiteral("block body")});
    s.append({QStringLiteral("block"), block.encode(), reencoderFor<Block>(), QStringLiteral("block")});
    s.append({QStringLiteral("merkle proof"), merkleProof(block.txIds(), 1).encode(), reencoderFor<MerkleProof>(),
              QStringLiteral("merkle proof")});
    return s;
}

template<typename T>
void checkRoundTrip(const T &value)
{
    const QByteArray bytes = value.encode();
    auto decoded = T::decode(bytes);
    QVERIFY2(decoded.ok(), qPrintable(decoded.errorString()));
    QVERIFY(decoded.value() == value);
    QCOMPARE(decoded->encode(), bytes); // canonical: same object, same bytes
}

QByteArray withByte(QByteArray bytes, qsizetype at, quint8 value)
{
    bytes[at] = char(value);
    return bytes;
}

} // namespace

class tst_Ledger : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void txKindNames_data();
    void txKindNames();
    void transactionRoundTrip_data();
    void transactionRoundTrip();
    void payloadRoundTrips();
    void blockHeaderRoundTrip();
    void blockRoundTrip();
    void emptyBlockRoundTrip();

    void truncatedPrefixes_data();
    void truncatedPrefixes();
    void singleByteMutations_data();
    void singleByteMutations();
    void randomBytes();

    void rejectedValues_data();
    void rejectedValues();

    void signatures_data();
    void signatures();
    void blockSignatures();
    void idStable();

    void involvedNodesTest_data();
    void involvedNodesTest();

private:
    QList<Sample> m_samples;
};

void tst_Ledger::initTestCase()
{
    m_samples = allSamples();
    for (const Sample &s : std::as_const(m_samples)) {
        const auto again = s.reencode(s.encoded);
        QVERIFY2(again.has_value(), qPrintable(s.name));
        QCOMPARE(*again, s.encoded);
    }
}

void tst_Ledger::txKindNames_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("name");
    const char *names[] = {"order", "cancel", "trade", "settlement", "governance", "regulator_action",
                           "biller_change", "ack", "anchor", "meter_reading"};
    for (int k = 1; k <= MaxTxKind; ++k)
        QTest::newRow(names[k - 1]) << k << QString::fromLatin1(names[k - 1]);
}

void tst_Ledger::txKindNames()
{
    QFETCH(int, kind);
    QFETCH(QString, name);
    QCOMPARE(txKindName(TxKind(kind)), name);
    QCOMPARE(txKindFromName(name), std::optional<TxKind>(TxKind(kind)));
    QVERIFY(!txKindFromName(name.toUpper()).has_value());
    QVERIFY(!txKindFromName(u"").has_value());
}

void tst_Ledger::transactionRoundTrip_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("order") << int(TxKind::Order) << sampleOrder().encode();
    QTest::newRow("cancel") << int(TxKind::Cancel) << sampleCancel().encode();
    QTest::newRow("trade") << int(TxKind::Trade) << sampleTrade().encode();
    QTest::newRow("settlement") << int(TxKind::Settlement) << sampleSettlement().encode();
    QTest::newRow("governance") << int(TxKind::Governance) << sampleGovernance().encode();
    QTest::newRow("regulator_action") << int(TxKind::RegulatorAction) << sampleRegulatorAction().encode();
    QTest::newRow("biller_change") << int(TxKind::BillerChange) << sampleBillerChange().encode();
    QTest::newRow("ack") << int(TxKind::Ack) << sampleAck().encode();
    QTest::newRow("anchor") << int(TxKind::Anchor) << sampleAnchor().encode();
    QTest::newRow("meter_reading") << int(TxKind::MeterReading) << sampleMeterReading().encode();
}

void tst_Ledger::transactionRoundTrip()
{
    QFETCH(int, kind);
    QFETCH(QByteArray, payload);
    const crypto::KeyPair key = seededKey(4);
    const Transaction tx = makeTx(TxKind(kind), payload, QStringLiteral("微网-节点-4"), key, 77, 3);
    checkRoundTrip(tx);
    QCOMPARE(tx.signature.size(), crypto::SignatureSize);
    QVERIFY(tx.verify(key.publicKey()));
    QCOMPARE(tx.encode(), tx.signingBytes() + [&] { Writer w; w.bytes(tx.signature); return w.take(); }());
    QCOMPARE(tx.id(), crypto::sha256(tx.signingBytes()));
}

void tst_Ledger::payloadRoundTrips()
{
    checkRoundTrip(sampleOrder());
    OrderPayload buy = sampleOrder();
    buy.side = Side::Buy;
    buy.renewableOnly = true;
    checkRoundTrip(buy);
    checkRoundTrip(sampleCancel());
    checkRoundTrip(sampleTrade());
    TradePayload matched = sampleTrade();
    matched.status = TradePayload::Status::Matched;
    matched.haltReason = 0;
    checkRoundTrip(matched);
    checkRoundTrip(sampleSettlement());
    checkRoundTrip(SettlementPayload{});
    checkRoundTrip(sampleGovernance());
    checkRoundTrip(GovernancePayload{});
    checkRoundTrip(sampleRegulatorAction());
    checkRoundTrip(sampleBillerChange());
    checkRoundTrip(sampleAck());
    checkRoundTrip(sampleAnchor());

    // Every enum value of every payload survives a round trip.
    for (quint16 a = 1; a <= 8; ++a) {
        GovernancePayload g = sampleGovernance();
        g.action = GovernancePayload::Action(a);
        checkRoundTrip(g);
    }
    for (quint16 a = 1; a <= 9; ++a) {
        RegulatorActionPayload r = sampleRegulatorAction();
        r.action = RegulatorActionPayload::Action(a);
        checkRoundTrip(r);
    }
    for (quint8 reason = 1; reason <= 5; ++reason) {
        SettlementPayload s = sampleSettlement();
        s.transfers[0].reason = Transfer::Reason(reason);
        checkRoundTrip(s);
    }

    // Confirmation bytes cover chain, round, candidate and score (not the previous biller).
    const BillerChangePayload bc = sampleBillerChange();
    BillerChangePayload other = bc;
    other.previousBiller = QStringLiteral("someone-else");
    QCOMPARE(other.confirmationBytes(), bc.confirmationBytes());
    for (auto change : {+[](BillerChangePayload &p) { p.chainId++; }, +[](BillerChangePayload &p) { p.round++; },
                        +[](BillerChangePayload &p) { p.newBiller += QLatin1Char('x'); },
                        +[](BillerChangePayload &p) { p.scoreMicro++; }}) {
        BillerChangePayload changed = bc;
        change(changed);
        QVERIFY(changed.confirmationBytes() != bc.confirmationBytes());
    }
    QVERIFY(crypto::verifySignature(seededKey(5).publicKey(), bc.confirmationBytes(), bc.confirmations[0].signature));
}

void tst_Ledger::blockHeaderRoundTrip()
{
    const Block b = sampleBlock();
    QCOMPARE(b.header.acks.size(), 2);
    checkRoundTrip(b.header);
    // The hash excludes the biller signature and acks: they are collected after proposing.
    BlockHeader unsigned_ = b.header;
    unsigned_.billerSignature.clear();
    unsigned_.acks.clear();
    QCOMPARE(unsigned_.hash(), b.header.hash());
    QCOMPARE(b.header.hash(), crypto::sha256(b.header.signingBytes()));
    QVERIFY(unsigned_.encode() != b.header.encode());
}

void tst_Ledger::blockRoundTrip()
{
    const Block b = sampleBlock();
    checkRoundTrip(b);
    QCOMPARE(b.header.txCount, 3u);
    QCOMPARE(b.header.merkleRoot, merkleRoot(b.txIds()));
    auto body = Block::decodeBody(b.encodeBody());
    QVERIFY2(body.ok(), qPrintable(body.errorString()));
    QVERIFY(body.value() == b.txs);

    Writer w;
    w.bytes(b.header.encode());
    w.bytes(b.encodeBody());
    QCOMPARE(b.encode(), w.data());
}

void tst_Ledger::emptyBlockRoundTrip()
{
    Block b;
    b.header.billerId = QStringLiteral("solo");
    b.seal();
    QCOMPARE(b.header.txCount, 0u);
    QVERIFY(b.header.merkleRoot.isNull());
    checkRoundTrip(b);
}

void tst_Ledger::truncatedPrefixes_data()
{
    QTest::addColumn<int>("sample");
    const QList<Sample> samples = allSamples();
    for (int i = 0; i < samples.size(); ++i)
        QTest::newRow(qPrintable(samples[i].name)) << i;
}

void tst_Ledger::truncatedPrefixes()
{
    QFETCH(int, sample);
    const Sample &s = m_samples[sample];
    for (qsizetype len = 0; len < s.encoded.size(); ++len) {
        const QByteArray prefix = s.encoded.left(len);
        QVERIFY2(!s.reencode(prefix).has_value(), qPrintable(QStringLiteral("prefix %1 decoded").arg(len)));
    }
}

void tst_Ledger::singleByteMutations_data()
{
    truncatedPrefixes_data();
}

void tst_Ledger::singleByteMutations()
{
    QFETCH(int, sample);
    const Sample &s = m_samples[sample];
    QRandomGenerator rng(0x5eed0000u + quint32(sample));
    int decoded = 0;
    for (int i = 0; i < 300; ++i) {
        QByteArray mutated = s.encoded;
        const qsizetype at = rng.bounded(qint64(mutated.size()));
        mutated[at] = char(quint8(mutated[at]) ^ quint8(1 + rng.bounded(255)));
        const auto again = s.reencode(mutated);
        if (again) {
            ++decoded;
            QCOMPARE(*again, mutated); // whatever decodes re-encodes to exactly the same bytes
            // The signature covers every byte of a transaction's encoding.
            if (!s.signerKey.isEmpty())
                QVERIFY(!Transaction::decode(mutated)->verify(s.signerKey));
        }
    }
    // Also every position once with a flipped low bit.
    for (qsizetype at = 0; at < s.encoded.size(); ++at) {
        QByteArray mutated = s.encoded;
        mutated[at] = char(quint8(mutated[at]) ^ 1);
        if (const auto again = s.reencode(mutated))
            QCOMPARE(*again, mutated);
    }
    qDebug() << s.name << "mutations that still decoded:" << decoded << "of 300";
}

void tst_Ledger::randomBytes()
{
    QRandomGenerator rng(20240601);
    for (int i = 0; i < 2000; ++i) {
        QByteArray bytes(rng.bounded(400), Qt::Uninitialized);
        for (char &c : bytes)
            c = char(rng.bounded(256));
        // Half start with a valid version byte so decoders get past it.
        if (i % 2 == 0 && !bytes.isEmpty())
            bytes[0] = '\x01';
        for (const Sample &s : std::as_const(m_samples)) {
            if (const auto again = s.reencode(bytes))
                QCOMPARE(*again, bytes);
        }
        // Error messages name the decoder's context.
        auto tx = Transaction::decode(bytes);
        if (!tx)
            QVERIFY2(tx.error().message.startsWith(QStringLiteral("transaction: ")), qPrintable(tx.error().message));
    }
}

void tst_Ledger::rejectedValues_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("decoder");
    QTest::addColumn<QString>("field");

    const crypto::KeyPair key = seededKey(1);
    const QByteArray tx = makeTx(TxKind::Order, sampleOrder().encode(), QStringLiteral("n"), key).encode();
    QTest::newRow("tx version 0") << withByte(tx, 0, 0) << "transaction" << "version";
    QTest::newRow("tx version 2") << withByte(tx, 0, 2) << "transaction" << "version";
    QTest::newRow("tx kind 0") << withByte(tx, 1, 0) << "transaction" << "kind";
    QTest::newRow("tx kind 11") << withByte(tx, 1, 11) << "transaction" << "kind";
    QTest::newRow("tx kind 255") << withByte(tx, 1, 255) << "transaction" << "kind";

    const QByteArray header = sampleBlock().header.encode();
    QTest::newRow("header version 2") << withByte(header, 0, 2) << "block header" << "version";
    const QByteArray body = sampleBlock().encodeBody();
    QTest::newRow("body version 0") << withByte(body, 0, 0) << "block body" << "version";

    const QByteArray order = sampleOrder().encode();
    QTest::newRow("order version 2") << withByte(order, 0, 2) << "order payload" << "version";
    QTest::newRow("order side 0") << withByte(order, 1, 0) << "order payload" << "side";
    QTest::newRow("order side 3") << withByte(order, 1, 3) << "order payload" << "side";
    QTest::newRow("order renewableOnly 2") << withByte(order, 1 + 1 + 8 + 8, 2) << "order payload" << "renewableOnly";

    const QByteArray trade = sampleTrade().encode();
    QTest::newRow("trade status 2") << withByte(trade, trade.size() - 3, 2) << "trade payload" << "status";

    SettlementPayload one;
    one.transfers = {sampleSettlement().transfers[0]};
    const QByteArray settlement = one.encode();
    const qsizetype reasonAt = settlement.size() - 1 - crypto::Hash256::Size;
    QTest::newRow("transfer reason 0") << withByte(settlement, reasonAt, 0) << "settlement payload" << "transfer.reason";
    QTest::newRow("transfer reason 6") << withByte(settlement, reasonAt, 6) << "settlement payload" << "transfer.reason";

    const QByteArray gov = sampleGovernance().encode();
    QTest::newRow("governance action 0") << withByte(withByte(gov, 1, 0), 2, 0) << "governance payload" << "action";
    QTest::newRow("governance action 9") << withByte(withByte(gov, 1, 0), 2, 9) << "governance payload" << "action";
    QTest::newRow("governance action 0x0101") << withByte(withByte(gov, 1, 1), 2, 1) << "governance payload" << "action";

    const QByteArray reg = sampleRegulatorAction().encode();
    QTest::newRow("regulator action 10") << withByte(withByte(reg, 1, 0), 2, 10) << "regulator action payload" << "action";

    AckPayload ack = sampleAck();
    ack.reason.clear();
    const QByteArray ackBytes = ack.encode();
    QTest::newRow("ack accept 2") << withByte(ackBytes, ackBytes.size() - 5, 2) << "ack payload" << "accept";
    QTest::newRow("anchor version 7") << withByte(sampleAnchor().encode(), 0, 7) << "anchor payload" << "version";
    QTest::newRow("biller change version 0") << withByte(sampleBillerChange().encode(), 0, 0) << "biller change payload"
                                            << "version";
    QTest::newRow("cancel version 2") << withByte(sampleCancel().encode(), 0, 2) << "cancel payload" << "version";
}

void tst_Ledger::rejectedValues()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, decoder);
    QFETCH(QString, field);

    const Sample *sample = nullptr;
    for (const Sample &s : std::as_const(m_samples)) {
        if (s.errorPrefix == decoder) {
            sample = &s;
            break;
        }
    }
    QVERIFY(sample);
    QVERIFY(!sample->reencode(input).has_value());

    // Run the typed decoder again for its error.
    Error error;
    if (decoder == u"transaction") error = Transaction::decode(input).error();
    else if (decoder == u"block header") error = BlockHeader::decode(input).error();
    else if (decoder == u"block body") error = Block::decodeBody(input).error();
    else if (decoder == u"order payload") error = OrderPayload::decode(input).error();
    else if (decoder == u"cancel payload") error = CancelPayload::decode(input).error();
    else if (decoder == u"trade payload") error = TradePayload::decode(input).error();
    else if (decoder == u"settlement payload") error = SettlementPayload::decode(input).error();
    else if (decoder == u"governance payload") error = GovernancePayload::decode(input).error();
    else if (decoder == u"regulator action payload") error = RegulatorActionPayload::decode(input).error();
    else if (decoder == u"biller change payload") error = BillerChangePayload::decode(input).error();
    else if (decoder == u"ack payload") error = AckPayload::decode(input).error();
    else if (decoder == u"anchor payload") error = AnchorPayload::decode(input).error();
    else QFAIL("unknown decoder");

    QCOMPARE(error.code, QStringLiteral("decode.invalid"));
    const QString expected = decoder + QStringLiteral(": field '") + field + QStringLiteral("' invalid: ");
    QVERIFY2(error.message.startsWith(expected), qPrintable(error.message));
}

void tst_Ledger::signatures_data()
{
    QTest::addColumn<int>("tamper");
    QTest::addColumn<bool>("valid");
    QTest::newRow("untouched") << 0 << true;
    QTest::newRow("wrong key") << 1 << false;
    QTest::newRow("flipped payload bit") << 2 << false;
    QTest::newRow("flipped signature bit") << 3 << false;
    QTest::newRow("changed sender") << 4 << false;
    QTest::newRow("changed nonce") << 5 << false;
    QTest::newRow("changed chain") << 6 << false;
    QTest::newRow("truncated signature") << 7 << false;
    QTest::newRow("empty signature") << 8 << false;
    QTest::newRow("empty public key") << 9 << false;
    QTest::newRow("changed kind") << 10 << false;
}

void tst_Ledger::signatures()
{
    QFETCH(int, tamper);
    QFETCH(bool, valid);

    const crypto::KeyPair key = seededKey(7), other = seededKey(8);
    Transaction tx = makeTx(TxKind::Trade, sampleTrade().encode(), QStringLiteral("wind-01"), key, 5);
    QByteArray publicKey = key.publicKey();
    switch (tamper) {
    case 1: publicKey = other.publicKey(); break;
    case 2: tx.payload[10] = char(tx.payload[10] ^ 0x04); break;
    case 3: tx.signature[20] = char(tx.signature[20] ^ 0x80); break;
    case 4: tx.sender = QStringLiteral("wind-02"); break;
    case 5: tx.nonce++; break;
    case 6: tx.chainId++; break;
    case 7: tx.signature.chop(1); break;
    case 8: tx.signature.clear(); break;
    case 9: publicKey.clear(); break;
    case 10: tx.kind = TxKind::Order; break;
    default: break;
    }
    QCOMPARE(tx.verify(publicKey), valid);
    // Through an encode/decode cycle the answer is the same.
    auto again = Transaction::decode(tx.encode());
    QVERIFY(again.ok());
    QCOMPARE(again->verify(publicKey), valid);
}

void tst_Ledger::blockSignatures()
{
    const crypto::KeyPair biller = seededKey(3), alice = seededKey(1);
    Block b = sampleBlock();
    const QByteArray hash = b.header.hash().toByteArray();
    QVERIFY(crypto::verifySignature(biller.publicKey(), hash, b.header.billerSignature));
    QCOMPARE(b.header.acks[0].nodeId, QStringLiteral("solar-02"));
    QVERIFY(crypto::verifySignature(alice.publicKey(), hash, b.header.acks[0].signature));
    QVERIFY(!crypto::verifySignature(biller.publicKey(), hash, b.header.acks[0].signature));
    // Any change of a hashed field invalidates both.
    b.header.timestampMs++;
    const QByteArray changed = b.header.hash().toByteArray();
    QVERIFY(!crypto::verifySignature(biller.publicKey(), changed, b.header.billerSignature));
    QVERIFY(!crypto::verifySignature(alice.publicKey(), changed, b.header.acks[0].signature));
}

void tst_Ledger::idStable()
{
    const crypto::KeyPair key = seededKey(7), other = seededKey(8);
    const Transaction tx = makeTx(TxKind::Settlement, sampleSettlement().encode(), QStringLiteral("wind-01"), key, 5);
    const crypto::Hash256 id = tx.id();
    QVERIFY(!id.isNull());
    auto decoded = Transaction::decode(tx.encode());
    QVERIFY(decoded.ok());
    QCOMPARE(decoded->id(), id);
    QCOMPARE(decoded->encode(), tx.encode());
    // Re-signing (even by another key) cannot change the id: the signature is not hashed.
    Transaction resigned = tx;
    resigned.sign(other);
    QVERIFY(resigned.signature != tx.signature);
    QCOMPARE(resigned.id(), id);
    // Ed25519 is deterministic: signing again gives the same bytes.
    Transaction again = tx;
    again.sign(key);
    QCOMPARE(again.encode(), tx.encode());
    // Any signed field changes it.
    Transaction bumped = tx;
    bumped.timestampMs++;
    QVERIFY(bumped.id() != id);
}

void tst_Ledger::involvedNodesTest_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("sender");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("order") << int(TxKind::Order) << sampleOrder().encode() << "solar-02" << QStringList{"solar-02"};
    QTest::newRow("cancel") << int(TxKind::Cancel) << sampleCancel().encode() << "house-07" << QStringList{"house-07"};
    QTest::newRow("trade") << int(TxKind::Trade) << sampleTrade().encode() << "wind-01"
                           << QStringList{"wind-01", "house-07", "solar-02"};
    QTest::newRow("trade by a party (dedup)") << int(TxKind::Trade) << sampleTrade().encode() << "solar-02"
                                              << QStringList{"solar-02", "house-07"};
    QTest::newRow("settlement (no grid)") << int(TxKind::Settlement) << sampleSettlement().encode() << "wind-01"
                                          << QStringList{"wind-01", "house-07", "solar-02"};
    QTest::newRow("governance") << int(TxKind::Governance) << sampleGovernance().encode() << "regulator"
                                << QStringList{"regulator", "newcomer-9"};
    QTest::newRow("regulator action") << int(TxKind::RegulatorAction) << sampleRegulatorAction().encode() << "regulator"
                                      << QStringList{"regulator", "rogue-3"};
    QTest::newRow("biller change") << int(TxKind::BillerChange) << sampleBillerChange().encode() << "parent-biller"
                                   << QStringList{"parent-biller", "solar-02", "wind-01"};
    QTest::newRow("ack") << int(TxKind::Ack) << sampleAck().encode() << "house-07" << QStringList{"house-07", "wind-01"};
    QTest::newRow("anchor") << int(TxKind::Anchor) << sampleAnchor().encode() << "wind-01" << QStringList{"wind-01"};
    QTest::newRow("undecodable trade") << int(TxKind::Trade) << QByteArray("\x01garbage") << "wind-01"
                                       << QStringList{"wind-01"};
    QTest::newRow("payload of another kind") << int(TxKind::Trade) << sampleAck().encode() << "wind-01"
                                             << QStringList{"wind-01"};
}

void tst_Ledger::involvedNodesTest()
{
    QFETCH(int, kind);
    QFETCH(QByteArray, payload);
    QFETCH(QString, sender);
    QFETCH(QStringList, expected);
    const Transaction tx = makeTx(TxKind(kind), payload, sender, seededKey(1));
    QCOMPARE(involvedNodes(tx), expected);
}

QTEST_GUILESS_MAIN(tst_Ledger)
#include "tst_ledger.moc"
