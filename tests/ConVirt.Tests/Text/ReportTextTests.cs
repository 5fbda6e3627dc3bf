using ConVirt.Data.Text;
using Xunit;

namespace ConVirt.Tests.Text;

public class ReportTextTests
{
    [Fact]
    public void Clean_turns_every_unicode_whitespace_into_one_space_and_trims()
    {
        string raw = "  Lungs\tare\r\nclear.\u00A0\u2003Heart\u2028size\u0085normal.\f\v  ";
        Assert.Equal("Lungs are clear. Heart size normal.", ReportText.Clean(raw));
    }

    [Fact]
    public void Clean_strips_control_and_format_characters()
    {
        // NUL, BEL, zero-width space (Cf), soft hyphen (Cf), replacement character.
        Assert.Equal("no effusion", ReportText.Clean("no\u0000 eff\u0007usion\u200B\u00AD\uFFFD"));
    }

    [Fact]
    public void Clean_canonicalises_deidentification_placeholders()
    {
        string raw = "Mr. __ seen on ____ by XXXX at [**Hospital1 18**]; X-ray XX, XXXXL and a_b stay.";
        Assert.Equal("Mr. ___ seen on ___ by ___ at ___; X-ray XX, XXXXL and a_b stay.", ReportText.Clean(raw));
    }

    [Fact]
    public void Clean_leaves_unterminated_or_overlong_brackets_as_text()
    {
        Assert.Equal("[** name", ReportText.Clean("[** name"));
        string overlong = "[**" + new string('a', 120) + "**]";
        Assert.Equal(overlong, ReportText.Clean(overlong));
    }

    [Fact]
    public void Clean_of_null_or_blank_is_empty()
    {
        Assert.Equal("", ReportText.Clean(null));
        Assert.Equal("", ReportText.Clean(" \n\t "));
    }

    [Fact]
    public void Clean_is_idempotent()
    {
        string once = ReportText.Clean(" a  ___ b\n\n XXXX [**x**] ");
        Assert.Equal("a ___ b ___ ___", once);
        Assert.Equal(once, ReportText.Clean(once));
    }
}
