from zhifa.ledger.events import register

CATALOGUE_ISSUED = register("review.catalogue_issued", "发布重大执法决定法制审核目录清单")
CATALOGUE_ACKNOWLEDGED = register("review.catalogue_acknowledged", "目录清单备案登记")
DETERMINED = register("review.determined", "重大执法决定认定")
STEP = register("review.step", "法制审核环节")
OPINION = register("review.opinion", "出具法制审核意见")
