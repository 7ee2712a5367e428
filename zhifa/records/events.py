from zhifa.ledger.events import register

DEVICE_REGISTERED = register("records.device_registered", "登记音像记录设备")
ROOM_REGISTERED = register("records.room_registered", "登记音像记录场所")
RECORDING_UPLOADED = register("records.recording_uploaded", "上传音像记录")
INTERRUPTION_NOTED = register("records.interruption_noted", "音像记录中断说明")
RECORDING_PLAYED = register("records.recording_played", "调阅音像记录")
CASE_FILE_EXPORTED = register("records.case_file_exported", "导出案卷")
CASE_MARKED = register("records.case_marked", "标注保密类别")
ACCESS_REQUESTED = register("records.access_requested", "申请查阅复制")
ACCESS_DECIDED = register("records.access_decided", "审批查阅复制")
