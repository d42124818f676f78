namespace Units.DBus.Tests;

/// <summary>Random values of random signatures survive writing and reading, in both byte orders.</summary>
public sealed class PropertyTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void Random_values_of_random_signatures_round_trip(int seed, bool bigEndian)
    {
        var random = new RandomValues(new Random(seed));
        for (int i = 0; i < 1500; i++)
        {
            (byte[] bytes, DBusValue[] body) = random.Message(bigEndian);
            byte[] data = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes.Length);
            bytes.CopyTo(data, 0);
            using Message message = Message.Parse(data, bytes.Length, new UnixFdQueue());
            Assert.Equal(bigEndian, message.IsBigEndian);
            message.ValidateBody();
            DBusValue[] read = TestInterface.ReadAll(message);
            Assert.Equal(body.Length, read.Length);
            for (int v = 0; v < body.Length; v++)
                Assert.True(body[v].Equals(read[v]), $"seed {seed} message {i}: wrote {body[v]}, read {read[v]}");
        }
    }

    [Fact]
    public void The_text_form_reads_like_gvariant()
    {
        DBusValue value = DBusValue.Array("{sv}",
            DBusValue.DictEntry(DBusValue.String("a"), DBusValue.Variant(DBusValue.UInt32(5))),
            DBusValue.DictEntry(DBusValue.String("b"), DBusValue.Variant(DBusValue.Struct(DBusValue.Boolean(true), DBusValue.ObjectPath("/x")))));
        Assert.Equal("{'a': <uint32 5>, 'b': <(true, objectpath '/x')>}", value.ToString());
    }
}
