using Units.UnitFiles.Hashing;
using Units.UnitFiles.Names;

namespace Units.UnitFiles.Tests.Hashing;

public sealed class SipHashTests
{
    [Fact]
    public void SipHash_matches_the_reference_vectors()
    {
        // Key 00..0f; messages 00..(n-1) from the SipHash paper's vectors.h.
        byte[] key = [.. Enumerable.Range(0, 16).Select(static i => (byte)i)];
        Assert.Equal(0x726fdb47dd0e0e31UL, SipHash.Hash24([], key));
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Hash24([.. Enumerable.Range(0, 15).Select(static i => (byte)i)], key));
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Hash24([.. Enumerable.Range(0, 15).Select(static i => (byte)i)], 0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL));
    }

    [Theory]
    [InlineData("web.service", "web")]
    [InlineData("getty@tty1.service", "getty")]
    [InlineData("_under.service", "_under")]
    public void DynamicUser_takes_the_unit_name_when_it_is_a_valid_user_name(string unit, string user) =>
        Assert.Equal(user, DynamicUserNames.FromUnitName(unit));

    [Theory]
    [InlineData("9lives.service")]
    [InlineData("a.b.service")]
    [InlineData("this-name-is-far-too-long-for-a-user.service")]
    public void DynamicUser_hashes_a_unit_name_that_is_no_valid_user_name(string unit) =>
        Assert.Matches("^_du[0-9a-f]{16}$", DynamicUserNames.FromUnitName(unit));
}
