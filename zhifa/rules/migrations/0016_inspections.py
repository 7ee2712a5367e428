"""The national baseline gains the random-inspection rules (issue 22; INS-01, INS-02, PUB-13): the risk classes and
their ratios, the results' publication period, the general items' ratio ceiling and the field of the department that
reviews item lists, loaded from data/national.json. Loads only its own keys (KEYS)."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations, models

KEYS = ["inspections.class_ratios", "inspections.result_days", "inspections.general_ratio_max",
        "inspections.item_list_reviewer"]


def load(apps, schema_editor):
    RuleVersion = apps.get_model("rules", "RuleVersion")
    data = json.loads((Path(__file__).resolve().parent.parent / "data" / "national.json").read_text(encoding="utf-8"))
    effective_from = dt.date.fromisoformat(data["effective_from"])
    for key in KEYS:
        rule = data["rules"][key]
        if not RuleVersion.objects.filter(jurisdiction=None, key=key, effective_from=effective_from).exists():
            RuleVersion.objects.create(jurisdiction=None, key=key, value=rule["value"], effective_from=effective_from,
                                       source=rule["source"], ruleset=data["ruleset"])


class Migration(migrations.Migration):
    dependencies = [("rules", "0015_evaluation_standards_one_check_per_item")]
    operations = [
        # The key's choices follow rules.catalogue.CATALOGUE (a new key is a new choice; nothing changes in the table).
        migrations.AlterField(
            model_name='ruleversion',
            name='key',
            field=models.CharField(choices=[('publicity.decision_days', '执法决定公示期限（工作日）'), ('publicity.summary_fields', '决定信息摘要要素'), ('publicity.annual_report_due', '统计年报报送截止日'), ('publicity.mask_kinds', '公开前隐去的信息'), ('publicity.request_days', '更正、投诉与依申请公开的答复期限（工作日）'), ('review.time_limit', '法制审核期限与延长'), ('review.excluded_periods', '不计入审核期限的期间'), ('review.items', '法制审核内容'), ('review.materials', '法制审核送审材料'), ('review.opinion_document', '书面审核意见'), ('recording.upload_limit', '音像记录上传时限'), ('recording.mandatory_av', '应当全程音像记录的事项'), ('recording.circumstantial_av', '根据情况进行音像记录的事项'), ('casefile.retention', '执法案卷保管期限（年）'), ('supervision.models', '执法监督问题模型的启用状态和阈值'), ('supervision.instrument_days', '监督文书期限'), ('assessment.indicators', '评议考核指标体系'), ('evaluation.rectification_days', '案卷评查不合格案卷整改期限（自然日）'), ('inspections.class_ratios', '双随机抽查对象风险（信用）分类及抽查比例'), ('inspections.result_days', '双随机抽查结果公示期限'), ('inspections.general_ratio_max', '一般检查事项抽查比例上限'), ('inspections.item_list_reviewer', '随机抽查事项清单审核部门（执法领域）'), ('evaluation.standards', '案卷评查标准')], max_length=60, verbose_name='规则项'),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
