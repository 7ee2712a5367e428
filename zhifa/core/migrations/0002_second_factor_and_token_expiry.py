"""Issue 14 §6, §7: security events of the second factor, session and tokens; API tokens expire and record who
revoked them. Tokens issued before get the default life from their issue (ZHIFA_API_TOKEN_DAYS)."""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    life = dt.timedelta(days=settings.ZHIFA_API_TOKEN_DAYS)
    for row in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        ApiToken.objects.filter(pk=row.pk).update(expires_at=row.created_at + life)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="有效期至"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="有效期至"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="securityevent",
            name="kind",
            field=models.CharField(choices=[
                ("login", "登录"), ("login_failed", "登录失败"), ("locked_out", "账户锁定"), ("logout", "退出"),
                ("denied", "拒绝访问"), ("token_failed", "令牌无效"), ("otp_enrolled", "启用双因素认证"),
                ("otp_verified", "双因素认证通过"), ("otp_failed", "双因素认证失败"), ("otp_disabled", "停用双因素认证"),
                ("session_expired", "会话超时"), ("token_issued", "签发令牌"), ("token_expired", "令牌已过期"),
                ("token_revoked", "吊销令牌"),
            ], max_length=20),
        ),
    ]
