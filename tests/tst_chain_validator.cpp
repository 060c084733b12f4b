#include "core/crypto/keys.h"
#include "core/ledger/chain_validator.h"
#include "core/ledger/payloads.h"

#include <QHash>
#include <QTest>

using namespace mg;
using namespace mg::ledger;

namespace {

constexpr ChainId TestChain = 3;
const QStringList Members{"biller-a", "solar-b", "house-c", "wind-d"};

enum class Tamper {
    PrevHash, Height, TxPayload, RemovedTx, ReorderedTxs, BillerSignature, UnknownAckSigner, AckSignature,
    TxWrongKey, TxOtherChain, TimestampBackwards, DuplicateTx, DuplicateAck, UnknownBiller, ChainIdChanged,
    Version, UnknownSender, MerkleRootField, GenesisPrevHash, GenesisHeight, MissingBillerSignature,
};

// A 5-block chain of 4 members with real keys: each block has 3 signed orders and 3 acks.
class ChainFixture
{
public:
    ChainFixture()
    {
        for (const QString &id : Members) {
            const crypto::KeyPair key = crypto::KeyPair::generate();
            m_keys.insert(id, key);
            m_publicKeys.insert(id, key.publicKey());
        }
        m_stranger = crypto::KeyPair::generate();

        for (quint64 h = 0; h < 5; ++h) {
            Block b;
            b.header.chainId = TestChain;
            b.header.height = h;
            b.header.prevHash = h == 0 ? crypto::Hash256() : blocks.last().header.hash();
            b.header.timestampMs = 1700000000000 + qint64(h) * 10000;
            b.header.billerId = Members[0];
            for (int i = 1; i <= 3; ++i)
                b.txs.append(order(Members[i], h * 10 + quint64(i), i % 2 ? Side::Sell : Side::Buy));
            resign(b);
            blocks.append(b);
        }
    }

    Transaction order(const QString &sender, quint64 nonce, Side side) const
    {
        OrderPayload p;
        p.side = side;
        p.energyWh = qint64(1000 + nonce);
        p.priceMilliPerKwh = 150000;
        p.deliverySlot = 1888888;
        p.expiresAtMs = 1700000900000;
        Transaction tx;
        tx.kind = TxKind::Order;
        tx.chainId = TestChain;
        tx.sender = sender;
        tx.timestampMs = 1700000000000 + qint64(nonce);
        tx.nonce = nonce;
        tx.payload = p.encode();
        tx.sign(m_keys.value(sender));
        return tx;
    }

    // Seals, signs as biller and collects acks from the other members, as a producer would.
    void resign(Block &b) const
    {
        b.seal();
        b.header.acks.clear();
        b.header.signAsBiller(m_keys.value(b.header.billerId));
        for (const QString &id : Members) {
            if (id != b.header.billerId)
                b.header.acks.append(b.header.makeAck(id, m_keys.value(id)));
        }
    }

    KeyLookup lookup() const
    {
        const QHash<NodeId, QByteArray> keys = m_publicKeys;
        return [keys](const NodeId &id) { return keys.value(id); };
    }

    crypto::KeyPair key(const QString &id) const { return m_keys.value(id); }
    const crypto::KeyPair &stranger() const { return m_stranger; }

    QList<Block> blocks;

private:
    QHash<NodeId, crypto::KeyPair> m_keys;
    QHash<NodeId, QByteArray> m_publicKeys;
    crypto::KeyPair m_stranger;
};

void applyTamper(ChainFixture &f, Tamper tamper, int at)
{
    Block &b = f.blocks[at];
    BlockHeader &h = b.header;
    switch (tamper) {
    case Tamper::PrevHash:
        h.prevHash.bytes[0] ^= 1;
        break;
    case Tamper::Height:
        h.height += 2;
        break;
    case Tamper::TxPayload:
        b.txs[1].payload[5] = char(b.txs[1].payload[5] ^ 0x01);
        break;
    case Tamper::RemovedTx:
        b.txs.removeLast();
        break;
    case Tamper::ReorderedTxs:
        b.txs.swapItemsAt(0, 2);
        break;
    case Tamper::BillerSignature:
        h.billerSignature[10] = char(h.billerSignature[10] ^ 0x20);
        break;
    case Tamper::UnknownAckSigner:
        h.acks.append(h.makeAck(QStringLiteral("stranger"), f.stranger()));
        break;
    case Tamper::AckSignature:
        h.acks[1].signature[0] = char(h.acks[1].signature[0] ^ 0x01);
        break;
    case Tamper::TxWrongKey:
        b.txs[1].sign(f.key(Members[3])); // sender is Members[2]
        f.resign(b);
        break;
    case Tamper::TxOtherChain:
        b.txs[0].chainId = TestChain + 1;
        b.txs[0].sign(f.key(b.txs[0].sender));
        f.resign(b);
        break;
    case Tamper::TimestampBackwards:
        h.timestampMs = f.blocks[at - 1].header.timestampMs - 1;
        f.resign(b);
        break;
    case Tamper::DuplicateTx:
        b.txs.append(b.txs[0]);
        f.resign(b);
        break;
    case Tamper::DuplicateAck:
        h.acks.append(h.acks[0]);
        break;
    case Tamper::UnknownBiller:
        h.billerId = QStringLiteral("stranger");
        h.billerSignature = f.stranger().sign(h.hash().toByteArray());
        break;
    case Tamper::ChainIdChanged:
        h.chainId = TestChain + 1;
        break;
    case Tamper::Version:
        h.version = 2;
        break;
    case Tamper::UnknownSender: {
        Transaction &tx = b.txs[2];
        tx.sender = QStringLiteral("stranger");
        tx.sign(f.stranger());
        f.resign(b);
        break;
    }
    case Tamper::MerkleRootField:
        h.merkleRoot.bytes[31] ^= 0x80;
        break;
    case Tamper::GenesisPrevHash:
        h.prevHash = crypto::sha256(QByteArray("not genesis"));
        break;
    case Tamper::GenesisHeight:
        h.height = 1;
        break;
    case Tamper::MissingBillerSignature:
        h.billerSignature.clear();
        break;
    }
}

} // namespace

class tst_ChainValidator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validChain();
    void validAfterEncodingRoundTrip();
    void emptyChainAndEmptyBlock();
    void tampering_data();
    void tampering();
    void validateBlockAlone();
    void findingToString();
};

void tst_ChainValidator::validChain()
{
    const ChainFixture f;
    QCOMPARE(f.blocks.size(), 5);
    const ChainValidator validator(f.lookup());
    const auto finding = validator.validateChain(f.blocks);
    QVERIFY2(!finding, finding ? qPrintable(finding->toString()) : "");
    for (const Block &b : f.blocks) {
        QCOMPARE(b.header.acks.size(), 3);
        QCOMPARE(b.txs.size(), 3);
    }
}

void tst_ChainValidator::validAfterEncodingRoundTrip()
{
    // As a store would: encode every block, decode it back, validate.
    const ChainFixture f;
    QList<Block> reloaded;
    for (const Block &b : f.blocks) {
        auto decoded = Block::decode(b.encode());
        QVERIFY2(decoded.ok(), qPrintable(decoded.errorString()));
        reloaded.append(decoded.value());
    }
    QVERIFY(!ChainValidator(f.lookup()).validateChain(reloaded));
}

void tst_ChainValidator::emptyChainAndEmptyBlock()
{
    ChainFixture f;
    const ChainValidator validator(f.lookup());
    QVERIFY(!validator.validateChain({}));
    // A block with no transactions (null Merkle root) is valid.
    Block empty;
    empty.header.chainId = TestChain;
    empty.header.height = 5;
    empty.header.prevHash = f.blocks.last().header.hash();
    empty.header.timestampMs = f.blocks.last().header.timestampMs; // equal is allowed
    empty.header.billerId = Members[1];
    f.resign(empty);
    QVERIFY(empty.header.merkleRoot.isNull());
    f.blocks.append(empty);
    const auto finding = validator.validateChain(f.blocks);
    QVERIFY2(!finding, finding ? qPrintable(finding->toString()) : "");
}

void tst_ChainValidator::tampering_data()
{
    QTest::addColumn<int>("tamper");
    QTest::addColumn<int>("block");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("reasonPart"); // what the reason must name

    auto row = [](const char *name, Tamper t, int block, const char *code, const char *reasonPart) {
        QTest::newRow(name) << int(t) << block << QString::fromLatin1(code) << QString::fromLatin1(reasonPart);
    };
    row("changed prevHash", Tamper::PrevHash, 2, "chain.prev_hash", "prevHash");
    row("wrong height", Tamper::Height, 3, "chain.height", "height 5");
    row("changed tx payload", Tamper::TxPayload, 1, "chain.merkle_root", "merkle root");
    row("removed tx", Tamper::RemovedTx, 2, "chain.tx_count", "3 transactions");
    row("re-ordered txs", Tamper::ReorderedTxs, 3, "chain.merkle_root", "merkle root");
    row("bad biller signature", Tamper::BillerSignature, 1, "chain.biller_signature", "biller-a");
    row("missing biller signature", Tamper::MissingBillerSignature, 0, "chain.biller_signature", "biller-a");
    row("ack by unknown node", Tamper::UnknownAckSigner, 2, "chain.unknown_key", "ack 3 by 'stranger'");
    row("bad ack signature", Tamper::AckSignature, 4, "chain.ack_signature", "ack 1 by 'house-c'");
    row("duplicate ack", Tamper::DuplicateAck, 1, "chain.duplicate_ack", "ack 3 by 'solar-b'");
    row("tx signed by wrong key", Tamper::TxWrongKey, 2, "chain.tx_signature", "tx 1");
    row("tx for other chain", Tamper::TxOtherChain, 1, "chain.tx_chain_id", "tx 0");
    row("tx by unknown sender", Tamper::UnknownSender, 3, "chain.unknown_key", "tx 2");
    row("timestamp going backwards", Tamper::TimestampBackwards, 3, "chain.timestamp", "timestamp");
    row("duplicate tx", Tamper::DuplicateTx, 2, "chain.duplicate_tx", "tx 3");
    row("unknown biller", Tamper::UnknownBiller, 4, "chain.unknown_key", "stranger");
    row("chain id changed", Tamper::ChainIdChanged, 2, "chain.chain_id", "chain 4");
    row("unknown version", Tamper::Version, 1, "chain.version", "version 2");
    row("merkle root field", Tamper::MerkleRootField, 0, "chain.merkle_root", "merkle root");
    row("genesis with prevHash", Tamper::GenesisPrevHash, 0, "chain.prev_hash", "genesis");
    row("genesis height 1", Tamper::GenesisHeight, 0, "chain.height", "height 1");
}

void tst_ChainValidator::tampering()
{
    QFETCH(int, tamper);
    QFETCH(int, block);
    QFETCH(QString, code);
    QFETCH(QString, reasonPart);

    ChainFixture f;
    const ChainValidator validator(f.lookup());
    QVERIFY(!validator.validateChain(f.blocks));
    applyTamper(f, Tamper(tamper), block);

    const auto finding = validator.validateChain(f.blocks);
    QVERIFY(finding.has_value());
    QCOMPARE(finding->code, code);
    QCOMPARE(finding->height, f.blocks[block].header.height);
    QCOMPARE(finding->chainId, f.blocks[block].header.chainId);
    QVERIFY2(finding->reason.contains(reasonPart), qPrintable(finding->toString()));
    // The blocks before the tampered one are still a valid chain.
    QVERIFY(!validator.validateChain(f.blocks.mid(0, block)));
}

void tst_ChainValidator::validateBlockAlone()
{
    const ChainFixture f;
    const ChainValidator validator(f.lookup());
    QVERIFY(!validator.validateBlock(f.blocks[0], nullptr));
    QVERIFY(!validator.validateBlock(f.blocks[3], &f.blocks[2].header));
    // Out of place: block 3 after block 1.
    const auto finding = validator.validateBlock(f.blocks[3], &f.blocks[1].header);
    QVERIFY(finding);
    QCOMPARE(finding->code, QStringLiteral("chain.height"));
    // A non-genesis block with no predecessor.
    const auto noPrev = validator.validateBlock(f.blocks[2], nullptr);
    QVERIFY(noPrev);
    QCOMPARE(noPrev->code, QStringLiteral("chain.height"));
    // Nobody's key known.
    const ChainValidator blind([](const NodeId &) { return QByteArray(); });
    const auto unknown = blind.validateBlock(f.blocks[0], nullptr);
    QVERIFY(unknown);
    QCOMPARE(unknown->code, QStringLiteral("chain.unknown_key"));
}

void tst_ChainValidator::findingToString()
{
    const ValidationFinding f{3, 17, QStringLiteral("chain.merkle_root"), QStringLiteral("root differs")};
    QCOMPARE(f.toString(), QStringLiteral("chain 3 height 17: chain.merkle_root: root differs"));
}

QTEST_GUILESS_MAIN(tst_ChainValidator)
#include "tst_chain_validator.moc"
